import { ActivityCancellationType, ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { MigrationActivities } from '../../model/activities';
import { CALL_OPTIONS, withSummary } from '../activity-proxies';

/** Compensations retry a few times per round; the round itself repeats until it succeeds (see Compensations). */
export const compensation = proxyActivities<MigrationActivities>({
  ...CALL_OPTIONS,
  retry: { ...CALL_OPTIONS.retry, maximumAttempts: 5 },
});

/**
 * Runs a forward step. A rollback waits until a cancelled step has really stopped, so no step can
 * land after the compensation that undoes it.
 */
export function step<A extends unknown[], R>(
  fn: { executeWithOptions(options: ActivityOptions, args: A): Promise<R> },
  summary: string,
  args: A,
  options: ActivityOptions = CALL_OPTIONS,
): Promise<R> {
  return withSummary(fn, summary, args, { ...options, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED });
}

/** A forward step that cannot go on: the migration rolls back with this reason. */
export class MigrationStepFailed extends Error {}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of an approval timeout such as "90s", "15m", "4h" or "2d"; undefined when it is not one. */
export function approvalTimeoutMs(duration: string): number | undefined {
  const match = /^(\d+)(s|m|h|d)$/.exec(duration.trim());
  return match && Number(match[1]) > 0 ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

export const workloadLabel = (w: { kind: string; name: string }) => `${w.kind} ${w.name}`;
