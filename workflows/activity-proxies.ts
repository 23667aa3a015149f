import { ActivityOptions, LocalActivityOptions, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../model/activities';
import { KEYCLOAK_CONFIGURATION_FAILURES, KeycloakFailure, NON_RETRYABLE_ERROR_TYPES } from '../model/errors';
import { PRIORITY_KEY, WorkPriority } from '../model/provisioning';


/**
 * Kubernetes and Keycloak calls retry with backoff for as long as it takes (a server that went
 * away comes back); only invalid input fails at once.
 */
export const CALL_OPTIONS: ActivityOptions = {
  // Calls take well under a second; a worker that died mid-call is noticed after this long.
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '15 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
};

export const activities = proxyActivities<Activities>(CALL_OPTIONS);

/**
 * The pass's short Kubernetes reads and writes run as local activities: inside the workflow task
 * that needs them, with no round trip through the server's task queues. Same timeout and retries;
 * their results are recorded as markers, so a replay does not call them again.
 */
export const LOCAL_CALL_OPTIONS: LocalActivityOptions = { startToCloseTimeout: CALL_OPTIONS.startToCloseTimeout, retry: CALL_OPTIONS.retry };
export const localActivities = proxyLocalActivities<Activities>(LOCAL_CALL_OPTIONS);
export const LOCAL_REPORTING_OPTIONS: LocalActivityOptions = { ...LOCAL_CALL_OPTIONS, retry: { ...CALL_OPTIONS.retry, maximumAttempts: 5 } };

/** Events are reports, not work: a few tries, then the pass goes on without them. */
export const REPORTING_OPTIONS: ActivityOptions = { ...CALL_OPTIONS, retry: { ...CALL_OPTIONS.retry, maximumAttempts: 5 } };
export const reporting = proxyActivities<Activities>(REPORTING_OPTIONS);

/**
 * Keycloak work waits its turn in the worker (--keycloak-concurrency), heartbeating, so it gets a
 * long start-to-close bound; a dead worker is still noticed within the heartbeat timeout.
 */
export const KEYCLOAK_OPTIONS: ActivityOptions = { ...CALL_OPTIONS, startToCloseTimeout: '5 minutes', heartbeatTimeout: '15 seconds' };

/** Keycloak work with a priority (new work before maintenance), retried for as long as it takes: the audit, a deleted namespace's clean-up. */
export function keycloakOptions(priority: WorkPriority): ActivityOptions {
  return { ...KEYCLOAK_OPTIONS, priority: { priorityKey: PRIORITY_KEY[priority] } };
}

/**
 * Keycloak work of a provisioning pass: two tries a second apart (each call bounded to 4 s), and
 * one for an unreachable Keycloak or a failure only a change of configuration fixes. Then the pass
 * reports why (a waiting state named after the failure, within seconds) and looks again later,
 * resolving the settings anew, instead of retrying for ever with the settings it started with.
 */
export function passKeycloakOptions(priority: WorkPriority): ActivityOptions {
  const options = keycloakOptions(priority);
  return {
    ...options,
    retry: { ...options.retry, initialInterval: '1 second', maximumAttempts: 2, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES, ...KEYCLOAK_CONFIGURATION_FAILURES, KeycloakFailure.KeycloakUnreachable] },
  };
}

/** The readiness wait heartbeats; its own timeout bounds it, plus a margin. */
export function waitOptions(timeoutSeconds: number): ActivityOptions {
  return { ...CALL_OPTIONS, startToCloseTimeout: `${timeoutSeconds + 30} seconds`, heartbeatTimeout: '10 seconds' };
}

/** Runs an activity with a one-line summary that the Temporal UI shows for it. */
export function withSummary<A extends unknown[], R>(
  fn: { executeWithOptions(options: ActivityOptions, args: A): Promise<R> },
  summary: string,
  args: A,
  options: ActivityOptions = CALL_OPTIONS,
): Promise<R> {
  return fn.executeWithOptions({ ...options, summary }, args);
}

/** The same for a local activity. */
export function locallyWithSummary<A extends unknown[], R>(
  fn: { executeWithOptions(options: LocalActivityOptions, args: A): Promise<R> },
  summary: string,
  args: A,
  options: LocalActivityOptions = LOCAL_CALL_OPTIONS,
): Promise<R> {
  return fn.executeWithOptions({ ...options, summary }, args);
}
