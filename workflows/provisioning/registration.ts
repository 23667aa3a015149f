import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { ErrorType, KeycloakFailure } from '../../model/errors';
import type { AgentWorkload, KeycloakSettings, NamespaceInspection, PassOutcome, ProvisioningConfig, WorkloadRegistration, WorkloadStatus } from '../../model/provisioning';
import { activities, passKeycloakOptions, withSummary } from '../activity-proxies';
import { ADMIN_SECRET_INCOMPLETE } from '../../model/config-keys';
import { isFirstPass, type PassContext, type PassReport } from './pass-report';

/**
 * The application failure behind a non-retryable activity failure, if that is what `error` is. An
 * activity's failure comes wrapped in an ActivityFailure; a local activity's may come bare.
 */
export function nonRetryableCause(error: unknown): ApplicationFailure | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.nonRetryable ? cause : undefined;
}

const KEYCLOAK_FAILURES: ReadonlySet<string> = new Set(Object.values(KeycloakFailure));

/** What the pass's own failure types say: a deletion or invalid input, handled apart. */
const HANDLED_APART: ReadonlySet<string> = new Set(Object.values(ErrorType));

/**
 * Why Keycloak work failed once its tries were used up, if that is what `error` is: by the
 * failure's name (unreachable, credentials refused, ...), or KeycloakWorkFailed with its message for
 * anything unforeseen. Keycloak work of a pass never fails the workflow: it waits and tries again.
 */
function keycloakFailureOf(error: unknown): KeycloakWait | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type && HANDLED_APART.has(cause.type) && cause.nonRetryable) return undefined;
  const reason = cause instanceof ApplicationFailure && cause.type && KEYCLOAK_FAILURES.has(cause.type) ? cause.type : 'KeycloakWorkFailed';
  return { reason, message: cause?.message ?? error.message };
}

/** Why Keycloak could not do some work of the pass: the namespace waits, reported by its name. */
type KeycloakWait = { reason: string; message: string };

/** Why a workload gets no client from this provisioner, or undefined when it should get one. */
function skipReason(workload: AgentWorkload, config: ProvisioningConfig): string | undefined {
  if (workload.legacyRegistration) return 'kagenti.io/client-registration-inject is "true": its in-pod sidecar registers it';
  if (workload.type === 'tool' && !config.injectTools) return 'a tool, and client registration for tools is off (--inject-tools)';
  return undefined;
}

/** Whether the previous pass registered `workload` (its client then most likely exists). */
const registeredBefore = (workload: AgentWorkload, previous?: PassOutcome) =>
  previous?.workloads.some((w) => w.kind === workload.kind && w.name === workload.name && w.state === 'registered') ?? false;

/**
 * The key a registration marks on what it creates: the first unfinished try's, so a client or Secret
 * made by a try that ended without a result (its tries used up) is reported by the one that finishes.
 */
const registrationKeyOf = (ctx: PassContext, workload: AgentWorkload) =>
  ctx.previous?.workloads.find((w) => w.kind === workload.kind && w.name === workload.name && w.state !== 'registered')?.registrationKey ?? ctx.eventKeyPrefix;

/**
 * What one registration changed, the largest change first: its reason names the one Event the
 * registration is reported by (a new workload's client, Secret and annotation are one Event, not
 * three), and every change is in its message.
 */
function registrationChanges(result: WorkloadRegistration): { reason: string; message: string }[] {
  const changes: { reason: string; message: string }[] = [];
  if (result.outcome !== 'unchanged') changes.push({ reason: result.outcome === 'created' ? 'KeycloakClientCreated' : 'KeycloakClientUpdated', message: `Keycloak client ${result.clientId} ${result.outcome}` });
  if (result.secret !== 'unchanged') changes.push({ reason: result.secret === 'created' ? 'CredentialsSecretCreated' : 'CredentialsSecretUpdated', message: `Secret ${result.secretName} ${result.secret}` });
  if (result.annotation !== 'unchanged') changes.push({ reason: 'CredentialsAnnotated', message: `Pod template annotated with credentials Secret ${result.secretName}` });
  return changes;
}

/**
 * Runbook steps 4–6 for one workload, in one activity: its Keycloak client and audience scope, then
 * its credentials Secret, then (only then) the pod-template annotation naming the Secret.
 */
async function registerAndReport(ctx: PassContext, report: PassReport, workload: AgentWorkload, keycloak: KeycloakSettings, waits: KeycloakWait[]): Promise<WorkloadStatus> {
  const { namespace } = ctx;
  const ref = { kind: workload.kind, name: workload.name, uid: workload.uid, serviceAccountName: workload.serviceAccountName };
  const registrationKey = registrationKeyOf(ctx, workload);
  try {
    const result = await withSummary(
      activities.registerWorkload,
      `Register ${workload.kind} ${namespace}/${workload.name}: Keycloak client, audience scope, credentials Secret, annotation`,
      [{ namespace, workload: ref, keycloak, newWorkload: !registeredBefore(workload, ctx.previous), annotationSeen: workload.credentialsSecretAnnotation ?? null, registrationKey }],
      passKeycloakOptions(ctx.priority),
    );
    const changed = registrationChanges(result);
    if (changed.length > 0) report.workloadEvent(workload, 'Normal', changed[0].reason, changed.map((c) => c.message).join('; '));
    return { kind: workload.kind, name: workload.name, clientId: result.clientId, credentialsSecret: result.secretName, state: 'registered' };
  } catch (error) {
    // Keycloak failures, invalid input and deletions reach here: other failures are retried inside the activity.
    const keycloakFailure = keycloakFailureOf(error);
    if (keycloakFailure) {
      waits.push(keycloakFailure);
      return { kind: workload.kind, name: workload.name, state: 'waiting', detail: keycloakFailure.message, registrationKey };
    }
    const cause = nonRetryableCause(error);
    if (cause?.type === ErrorType.WorkloadGone) return { kind: workload.kind, name: workload.name, state: 'skipped', detail: 'deleted during the pass' };
    if (!cause || cause.type === ErrorType.NamespaceGone) throw error;
    // A name held by someone else is named as such: the fix is theirs (or a person's), not the workload's.
    report.workloadEvent(workload, 'Warning', cause.type === ErrorType.KeycloakNameTaken ? cause.type : 'ClientRegistrationFailed', cause.message);
    return { kind: workload.kind, name: workload.name, state: 'failed', detail: cause.message, registrationKey };
  }
}

/**
 * Runbook step 7: removes the clients of workloads that are gone (clients of skipped workloads are
 * kept). Returns why Keycloak could not, if it could not.
 */
export async function removeStaleClients(
  ctx: PassContext,
  report: PassReport,
  keep: string[],
  keycloak: KeycloakSettings,
  summary: string,
): Promise<KeycloakWait | undefined> {
  const { namespace } = ctx;
  try {
    const stale = await withSummary(activities.deleteStaleKeycloakClients, summary, [{ namespace, keep, keycloak }], passKeycloakOptions(ctx.priority));
    for (const clientId of stale.deleted) report.namespaceChanged('KeycloakClientDeleted', `Keycloak client ${clientId} deleted: its workload is gone`);
    return undefined;
  } catch (error) {
    const failure = keycloakFailureOf(error);
    if (!failure) throw error;
    return failure;
  }
}

/**
 * Registers every agent workload and removes the clients of removed ones, side by side. The first
 * pass of a run over a namespace no pass finished on before (no status annotation) does not search
 * for stale clients: those of an earlier namespace of the same name went when it was deleted.
 */
export async function registerWorkloads(ctx: PassContext, report: PassReport, inspection: NamespaceInspection, config: ProvisioningConfig): Promise<WorkloadStatus[]> {
  if (config.keycloakProblem) {
    report.wait(config.keycloakProblem.reason, config.keycloakProblem.message);
    return [];
  }
  if (!config.keycloak) {
    report.wait('KeycloakConfigMissing', 'Neither kagenti-operator-config (operator namespace) nor authbridge-config (this namespace) has KEYCLOAK_URL and KEYCLOAK_REALM');
    return [];
  }
  if (!config.adminSecretReady) {
    report.wait('KeycloakAdminSecretMissing', `Secret keycloak-admin-secret in the operator namespace ${ADMIN_SECRET_INCOMPLETE}`);
    return [];
  }
  const keycloak = config.keycloak;
  // Work Keycloak could not do waits; the first reason is reported once for the namespace.
  const waitingFor: KeycloakWait[] = [];
  const registrations = Promise.all(
    inspection.workloads.map((workload) => {
      const skipped = skipReason(workload, config);
      if (skipped) return Promise.resolve<WorkloadStatus>({ kind: workload.kind, name: workload.name, state: 'skipped', detail: skipped });
      return registerAndReport(ctx, report, workload, keycloak, waitingFor);
    }),
  );
  const removeStale = async () => {
    if (isFirstPass(ctx, inspection)) return;
    const failure = await removeStaleClients(ctx, report, inspection.workloads.map((w) => w.name), keycloak, `Remove Keycloak clients of deleted workloads in ${ctx.namespace}`);
    if (failure) waitingFor.push(failure);
  };
  const [results] = await Promise.all([registrations, removeStale()]);
  if (waitingFor.length > 0) report.wait(waitingFor[0].reason, waitingFor[0].message);
  // Recorded now, not when the waypoint's wait ends: credentials do not wait for the waypoint.
  await report.flush();
  return results;
}
