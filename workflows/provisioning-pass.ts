import type { ApplicationFailure } from '@temporalio/workflow';
import { ErrorType, KeycloakFailure } from '../model/errors';
import type { KeycloakSettings, NamespaceInspection, PassOutcome, ProvisioningConfig } from '../model/provisioning';
import { clusterStep } from './cluster-steps';
import { isFirstPass, PassContext, PassReport } from './provisioning/pass-report';
import { nonRetryableCause, registerWorkloads, removeStaleClients } from './provisioning/registration';
import { provisionWaypoint } from './provisioning/waypoint';

export type { PassContext } from './provisioning/pass-report';

export interface PassResult {
  outcome: PassOutcome;
  /** The Keycloak settings in force, remembered for clean-up after the namespace (and its config) is gone. */
  keycloak?: KeycloakSettings;
}

const DELETING: PassOutcome = { phase: 'Deleting', waypointReady: false, agentCount: 0, waiting: [], warnings: [], workloads: [], done: true };

const isAgentNamespace = (s: NamespaceInspection) => s.optedIn || s.agentPods + s.toolPods > 0 || s.workloads.length > 0;

/**
 * Why the provisioner leaves an agent namespace alone, if it does: a namespace in sidecar mode
 * gets its ambient labels and waypoint from a migration, which holds the namespace while it runs.
 */
function standbyReason(s: NamespaceInspection): { reason: string; message: string } | undefined {
  if (s.heldByMigration) return { reason: 'MigrationInProgress', message: `Migration ${s.heldByMigration} holds this namespace; the provisioner stands aside until it ends` };
  if (s.sidecarMode) {
    return { reason: 'SidecarMode', message: 'The namespace is in sidecar mode (istio-injection=enabled); the provisioner leaves it alone: migrate it to waypoint mode' };
  }
  return undefined;
}

/** Keycloak failures that may pass by themselves: looked at again soon, then less and less often. */
const PASSING_FAILURES: ReadonlySet<string> = new Set([KeycloakFailure.KeycloakUnreachable, KeycloakFailure.KeycloakServerError]);
const FIRST_RETRY_SECONDS = 5;

/**
 * Waiting states that istiod's verdict clears (the waypoint not ready, not schedulable, refused):
 * the watcher tells the workflow when the verdict changes, so no timer looks again. Each waiting
 * namespace then costs nothing, however many wait (a cluster out of capacity, say).
 */
const WAYPOINT_WAITS: ReadonlySet<string> = new Set(['WaypointNotReady', 'WaypointUnschedulable', 'WaypointRefused']);

/**
 * When a waiting namespace is looked at again without any event: after the retry interval, or,
 * while Keycloak is unreachable or failing, after 5 s, doubling up to the interval; never for a
 * waypoint wait alone (see WAYPOINT_WAITS). A fixed configuration does not wait for either: the
 * watcher wakes the namespace when it changes.
 */
function retryAfter(allWaiting: { reason: string }[], previous: PassOutcome | undefined, intervalSeconds: number): number | undefined {
  const waiting = allWaiting.filter((w) => !WAYPOINT_WAITS.has(w.reason));
  if (waiting.length === 0) return undefined;
  if (!waiting.some((w) => PASSING_FAILURES.has(w.reason))) return intervalSeconds;
  const before = previous?.waiting.some((w) => PASSING_FAILURES.has(w.reason)) ? previous.retryAfterSeconds : undefined;
  return Math.min(intervalSeconds, before ? before * 2 : FIRST_RETRY_SECONDS);
}

/** Reads the namespace and the config it is provisioned with, side by side. */
function readNamespaceAndConfig(namespace: string): Promise<[NamespaceInspection, ProvisioningConfig]> {
  return Promise.all([
    clusterStep('inspectNamespace', `Inspect namespace ${namespace}`, [namespace]),
    clusterStep('resolveProvisioningConfig', `Resolve provisioning config for ${namespace}`, [namespace]),
  ]);
}

/** A namespace in sidecar mode or held by its migration: reported once, nothing written. */
async function standBy(report: PassReport, inspection: NamespaceInspection, standby: { reason: string; message: string }): Promise<PassOutcome> {
  if (!report.reportedBefore(standby.reason)) report.namespaceChanged(standby.reason, standby.message);
  await report.flush();
  return { phase: 'Standby', waypointReady: false, agentCount: inspection.workloads.length, waiting: [standby], warnings: [], workloads: [], done: false };
}

/** No agent or tool left: the waypoint and labels go (--remove-when-empty), and so do the namespace's clients. */
async function tidyEmptyNamespace(ctx: PassContext, report: PassReport, config: ProvisioningConfig): Promise<PassOutcome> {
  const { namespace } = ctx;
  if (config.removeWhenEmpty) {
    const gateway = await clusterStep('deleteWaypointGateway', `Remove waypoint Gateway of ${namespace} (no agent or tool left)`, [namespace]);
    const labels = await clusterStep('removeNamespaceLabels', `Remove ambient labels of ${namespace}`, [namespace]);
    if (gateway.outcome !== 'unchanged' || labels.outcome !== 'unchanged') {
      report.namespaceChanged('WaypointRemoved', 'No agent or tool left: waypoint Gateway and ambient labels removed');
    }
  }
  const keycloakUsable = config.keycloak !== undefined && config.adminSecretReady;
  const failure = keycloakUsable ? await removeStaleClients(ctx, report, [], config.keycloak!, `Remove Keycloak clients of ${namespace}`) : undefined;
  if (failure) report.wait(failure.reason, failure.message);
  await report.finish();
  const retryAfterSeconds = failure ? config.retryIntervalSeconds : undefined;
  return { phase: 'Idle', waypointReady: false, agentCount: 0, waiting: report.waiting, warnings: [], workloads: [], retryAfterSeconds, done: !failure && (keycloakUsable || !config.clientRegistration) };
}

/**
 * One provisioning pass over a namespace, in the order of the runbook it replaces (spec §6): read
 * the namespace and its config; label it and create or repair the waypoint Gateway, and wait,
 * bounded, for the waypoint to be Programmed; meanwhile register each agent workload (client,
 * audience scope, credentials Secret, annotation) and remove the clients of workloads that are
 * gone; report.
 */
async function runPass(ctx: PassContext, report: PassReport): Promise<PassResult> {
  const [inspection, config] = await readNamespaceAndConfig(ctx.namespace);
  ctx.status.seen(inspection.statusAnnotation);
  // The settings in force are kept for the clean-up: a run started after the namespace went has no others.
  const keycloak = config.keycloak;
  if (!inspection.exists || inspection.terminating) return { outcome: DELETING, keycloak };
  try {
    return { outcome: await provision(ctx, report, inspection, config), keycloak };
  } catch (error) {
    const cause = refusal(error);
    if (!cause) throw error;
    return { ...(await refused(ctx, report, cause, config.retryIntervalSeconds, inspection.workloads.length)), keycloak };
  }
}

/** The pass's writes, once the namespace and its config are read. */
async function provision(ctx: PassContext, report: PassReport, inspection: NamespaceInspection, config: ProvisioningConfig): Promise<PassOutcome> {
  const standby = standbyReason(inspection);
  if (standby) return standBy(report, inspection, standby);
  if (!isAgentNamespace(inspection)) return tidyEmptyNamespace(ctx, report, config);

  if (config.adminSecretInWorkloadNamespace) {
    report.warn('AdminSecretInAgentNamespace', 'A keycloak-admin-secret exists in this agent namespace; it is ignored: remove it (admin credentials belong in the operator namespace only)');
  }
  if (config.operatorOnlyKeysIgnored) {
    const keys = config.operatorOnlyKeysIgnored.join(', ');
    report.warn('OperatorOnlySettingIgnored', `authbridge-config sets ${keys}, which reach clients of the whole realm: only kagenti-operator-config in the operator namespace may set them; ignored`);
  }
  // Credentials do not wait for the waypoint: Keycloak has nothing to do with it (docs/provisioning.md).
  const waypoint = { gatewayName: inspection.waypointGateway, timeoutSeconds: config.waypointReadyTimeoutSeconds, agentCount: inspection.workloads.length, expectNew: isFirstPass(ctx, inspection), labelsSet: inspection.ambientLabelsSet, labelsSetBy: inspection.ambientLabelsSetBy };
  const [waypointReady, workloads] = await Promise.all([
    config.waypointProvisioning ? provisionWaypoint(ctx, report, waypoint) : false,
    config.clientRegistration ? registerWorkloads(ctx, report, inspection, config) : [],
  ]);

  await report.finish();
  const waiting = report.waiting;
  const phase = waiting.length > 0 || workloads.some((w) => w.state === 'failed') ? 'Waiting' : 'Ready';
  const retryAfterSeconds = retryAfter(waiting, ctx.previous, config.retryIntervalSeconds);
  return { phase, waypointReady, agentCount: inspection.workloads.length, waiting, warnings: report.warnings, workloads, retryAfterSeconds, done: false };
}

/** How soon a pass whose reads the apiserver refused looks again (the retry interval was not read). */
const REFUSED_READ_RETRY_SECONDS = 30;

/** The cause when the apiserver refused a step of the pass (RBAC, an admission policy or webhook). */
function refusal(error: unknown): ApplicationFailure | undefined {
  const cause = nonRetryableCause(error);
  return cause?.type === ErrorType.KubernetesRefused ? cause : undefined;
}

/** A refused pass waits, reported as KubernetesRefused with the apiserver's words, and looks again later. */
async function refused(ctx: PassContext, report: PassReport, cause: ApplicationFailure, retryAfterSeconds: number, agentCount: number): Promise<PassResult> {
  report.wait(ErrorType.KubernetesRefused, cause.message);
  await report.finish();
  const { previous } = ctx;
  return {
    outcome: { phase: 'Waiting', waypointReady: false, agentCount, waiting: report.waiting, warnings: [], workloads: previous?.workloads ?? [], retryAfterSeconds, done: false },
  };
}

/**
 * A pass that finds the namespace deleted under it ends as Deleting; one the apiserver refuses
 * waits and looks again later.
 */
export async function provisioningPass(ctx: PassContext): Promise<PassResult> {
  const report = new PassReport(ctx);
  try {
    return await runPass(ctx, report);
  } catch (error) {
    if (nonRetryableCause(error)?.type === ErrorType.NamespaceGone) return { outcome: DELETING };
    const cause = refusal(error);
    if (!cause) throw error;
    return refused(ctx, report, cause, REFUSED_READ_RETRY_SECONDS, ctx.previous?.agentCount ?? 0);
  }
}
