import { ActivityFailure, ApplicationFailure, log, patched } from '@temporalio/workflow';
import type { EventInput } from '../activities/kubernetes/events';
import { activities, keycloakOptions, localActivities, locallyWithSummary, reporting, waitOptions, withSummary } from './activity-proxies';
import { clusterStep } from './cluster-steps';
import type { AgentWorkload, GatewayReadiness, KeycloakSettings, NamespaceSnapshot, PassOutcome, ProvisioningConfig, WorkloadStatus, WorkPriority } from './types';

/** What a pass knows besides the cluster: the previous outcome (to report only changes) and where to key its events. */
export interface PassContext {
  namespace: string;
  previous?: PassOutcome;
  /** New work or maintenance: where Keycloak work waits, new work goes first. */
  priority: WorkPriority;
  /** Unique per pass and stable on replay, e.g. `<workflow id>/<run id>/<pass number>`. */
  eventKeyPrefix: string;
}

export interface PassResult {
  outcome: PassOutcome;
  /** The Keycloak settings in force, remembered for clean-up after the namespace (and its config) is gone. */
  keycloak?: KeycloakSettings;
}

type Event = Omit<EventInput, 'namespace' | 'key'>;

const onNamespace = (namespace: string, type: Event['type'], reason: string, message: string): Event => ({
  involved: { kind: 'Namespace', name: namespace },
  type,
  reason,
  message,
});

const onWorkload = (w: AgentWorkload, type: Event['type'], reason: string, message: string): Event => ({
  involved: { kind: w.kind, name: w.name, uid: w.uid },
  type,
  reason,
  message,
});

/**
 * Why the provisioner leaves an agent namespace alone, if it does: a namespace in sidecar mode
 * gets its ambient labels and waypoint from a migration, which holds the namespace while it runs.
 */
function standbyReason(s: NamespaceSnapshot): { reason: string; message: string } | undefined {
  if (s.heldByMigration) return { reason: 'MigrationInProgress', message: `Migration ${s.heldByMigration} holds this namespace; the provisioner stands aside until it ends` };
  if (s.sidecarMode) {
    return { reason: 'SidecarMode', message: 'The namespace is in sidecar mode (istio-injection=enabled); the provisioner leaves it alone: migrate it to waypoint mode' };
  }
  return undefined;
}

const isAgentNamespace = (s: NamespaceSnapshot) => s.optedIn || s.agentPods + s.toolPods > 0 || s.workloads.length > 0;

/** Why a workload gets no client from this provisioner, or undefined when it should get one. */
function skipReason(workload: AgentWorkload, config: ProvisioningConfig): string | undefined {
  if (workload.legacyRegistration) return 'kagenti.io/client-registration-inject is "true": its in-pod sidecar registers it';
  if (workload.type === 'tool' && !config.injectTools) return 'a tool, and client registration for tools is off (--inject-tools)';
  return undefined;
}

/** The application failure behind a non-retryable activity failure, if that is what `error` is. */
function failureType(error: unknown): ApplicationFailure | undefined {
  const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
  return cause?.nonRetryable ? cause : undefined;
}

/** Reads, and then labels and Gateway, run side by side (histories recorded before ran them one by one). */
const PARALLEL_STEPS = 'parallel-independent-steps';

/** A pass's Events go out in one activity (histories recorded before sent one activity per Event). */
const BATCHED_EVENTS = 'batched-events';

const DELETING: PassOutcome = { phase: 'Deleting', waypointReady: false, agentCount: 0, waiting: [], warnings: [], workloads: [], done: true };

/**
 * A workload is registered by one activity (histories recorded before ran three: client, Secret,
 * annotation), and stale clients are removed beside the registrations instead of after them.
 */
const ONE_REGISTRATION_ACTIVITY = 'one-registration-activity';

/**
 * The first pass of a run over a namespace no pass finished on before (no status annotation) does
 * not search Keycloak for stale clients: clients named after an earlier namespace of the same name
 * were removed when that namespace was deleted. Only a workflow terminated by hand leaves some
 * behind, and the next pass (an event or the watcher's resync) removes them.
 */
const NO_STALE_SEARCH_IN_NEW_NAMESPACE = 'no-stale-search-in-new-namespace';
const NOTHING_STALE = { deleted: [] as string[] };

/** Whether the previous pass registered `workload` (its client then most likely exists). */
const registeredBefore = (workload: AgentWorkload, previous?: PassOutcome) =>
  previous?.workloads.some((w) => w.kind === workload.kind && w.name === workload.name && w.state === 'registered') ?? false;

/** Registers one workload: client and audience scope, then the credentials Secret, then (only then) the annotation. */
async function registerWorkload(ctx: PassContext, workload: AgentWorkload, keycloak: KeycloakSettings, events: Event[]): Promise<WorkloadStatus> {
  const { namespace, previous } = ctx;
  const ref = { kind: workload.kind, name: workload.name, uid: workload.uid, serviceAccountName: workload.serviceAccountName };
  const label = `${workload.kind} ${namespace}/${workload.name}`;
  try {
    if (patched(ONE_REGISTRATION_ACTIVITY)) {
      const result = await withSummary(
        activities.registerWorkload,
        `Register ${label}: Keycloak client, audience scope, credentials Secret, annotation`,
        [{ namespace, workload: ref, keycloak, newWorkload: !registeredBefore(workload, previous) }],
        keycloakOptions(ctx.priority),
      );
      if (result.outcome !== 'unchanged') {
        events.push(onWorkload(workload, 'Normal', result.outcome === 'created' ? 'KeycloakClientCreated' : 'KeycloakClientUpdated', `Keycloak client ${result.clientId} ${result.outcome}`));
      }
      if (result.secret !== 'unchanged') {
        events.push(onWorkload(workload, 'Normal', result.secret === 'created' ? 'CredentialsSecretCreated' : 'CredentialsSecretUpdated', `Secret ${result.secretName} ${result.secret}`));
      }
      if (result.annotation !== 'unchanged') {
        events.push(onWorkload(workload, 'Normal', 'CredentialsAnnotated', `Pod template annotated with credentials Secret ${result.secretName}`));
      }
      return { kind: workload.kind, name: workload.name, clientId: result.clientId, credentialsSecret: result.secretName, state: 'registered' };
    }
    const client = await withSummary(activities.ensureKeycloakClient, `Ensure Keycloak client for ${label}`, [{ namespace, workload: ref, keycloak }], keycloakOptions(ctx.priority));
    if (client.outcome !== 'unchanged') {
      events.push(onWorkload(workload, 'Normal', client.outcome === 'created' ? 'KeycloakClientCreated' : 'KeycloakClientUpdated', `Keycloak client ${client.clientId} ${client.outcome}`));
    }
    const secret = await withSummary(
      activities.ensureClientCredentialsSecret,
      `Ensure credentials Secret for ${label}`,
      [{ namespace, workload: ref, keycloak, clientId: client.clientId }],
      keycloakOptions(ctx.priority),
    );
    if (secret.outcome !== 'unchanged') {
      events.push(onWorkload(workload, 'Normal', secret.outcome === 'created' ? 'CredentialsSecretCreated' : 'CredentialsSecretUpdated', `Secret ${secret.secretName} ${secret.outcome}`));
    }
    const annotation = await withSummary(activities.ensureCredentialsAnnotation, `Annotate ${label} with its credentials Secret`, [namespace, { kind: workload.kind, name: workload.name }, secret.secretName]);
    if (annotation.outcome !== 'unchanged') {
      events.push(onWorkload(workload, 'Normal', 'CredentialsAnnotated', `Pod template annotated with credentials Secret ${secret.secretName}`));
    }
    return { kind: workload.kind, name: workload.name, clientId: client.clientId, credentialsSecret: secret.secretName, state: 'registered' };
  } catch (error) {
    // Only invalid input and deletions reach here: transient failures are retried inside the activities.
    const cause = failureType(error);
    if (cause?.type === 'WorkloadGone') return { kind: workload.kind, name: workload.name, state: 'skipped', detail: 'deleted during the pass' };
    if (!cause || cause.type === 'NamespaceGone') throw error;
    events.push(onWorkload(workload, 'Warning', 'ClientRegistrationFailed', cause.message));
    return { kind: workload.kind, name: workload.name, state: 'failed', detail: cause.message };
  }
}

/**
 * Readiness is first looked for in a local activity of a few seconds, as Istio is usually that
 * fast; only a slower waypoint costs a heartbeating activity for the rest of the bound (histories
 * recorded before waited in that activity alone).
 */
const LOCAL_FIRST_READINESS_LOOK = 'local-first-readiness-look';
const FIRST_LOOK_SECONDS = 5;

async function waitForWaypoint(namespace: string, timeoutSeconds: number): Promise<GatewayReadiness> {
  const wait = (seconds: number) =>
    withSummary(activities.waitForGatewayProgrammed, `Wait up to ${seconds} s for the waypoint of ${namespace} to be Programmed`, [namespace, seconds], waitOptions(seconds));
  if (!patched(LOCAL_FIRST_READINESS_LOOK)) return wait(timeoutSeconds);
  const firstLook = Math.min(FIRST_LOOK_SECONDS, timeoutSeconds);
  const readiness = await locallyWithSummary(localActivities.waitForGatewayProgrammed, `Look for up to ${firstLook} s for the waypoint of ${namespace} to be Programmed`, [namespace, firstLook]);
  return readiness.ready || timeoutSeconds <= firstLook ? readiness : wait(timeoutSeconds - firstLook);
}

/**
 * One provisioning pass over a namespace, in the order of the runbook it replaces: read the
 * namespace and the config, label the namespace, create or repair the waypoint Gateway, wait for
 * it to be Programmed (bounded), register each agent workload, remove the clients of workloads that
 * are gone, and report.
 */
export async function provisioningPass(ctx: PassContext): Promise<PassResult> {
  try {
    return await runPass(ctx);
  } catch (error) {
    if (failureType(error)?.type === 'NamespaceGone') return { outcome: DELETING };
    throw error;
  }
}

async function runPass(ctx: PassContext): Promise<PassResult> {
  const { namespace } = ctx;
  const inspect = () => clusterStep('inspectNamespace', `Inspect namespace ${namespace}`, [namespace]);
  const resolveConfig = () => clusterStep('resolveProvisioningConfig', `Resolve provisioning config for ${namespace}`, [namespace]);
  let snapshot: NamespaceSnapshot;
  let config: ProvisioningConfig;
  if (patched(PARALLEL_STEPS)) {
    [snapshot, config] = await Promise.all([inspect(), resolveConfig()]);
    // The settings in force are kept for the clean-up: a run started after the namespace went has no others.
    if (!snapshot.exists || snapshot.terminating) return { outcome: DELETING, keycloak: config.keycloak };
  } else {
    snapshot = await inspect();
    if (!snapshot.exists || snapshot.terminating) return { outcome: DELETING };
    config = await resolveConfig();
  }
  const events: Event[] = [];
  const waiting: PassOutcome['waiting'] = [];
  const warnings: PassOutcome['warnings'] = [];
  const keycloakUsable = config.keycloak !== undefined && config.adminSecretReady;

  const standby = standbyReason(snapshot);
  if (standby) {
    if (!ctx.previous?.waiting.some((w) => w.reason === standby.reason)) events.push(onNamespace(namespace, 'Normal', standby.reason, standby.message));
    await report(ctx, events);
    return {
      outcome: { phase: 'Standby', waypointReady: false, agentCount: snapshot.workloads.length, waiting: [standby], warnings: [], workloads: [], done: false },
      keycloak: config.keycloak,
    };
  }

  if (!isAgentNamespace(snapshot)) {
    if (config.removeWhenEmpty) {
      const gateway = await clusterStep('deleteWaypointGateway', `Remove waypoint Gateway of ${namespace} (no agent or tool left)`, [namespace]);
      const labels = await clusterStep('removeNamespaceLabels', `Remove ambient labels of ${namespace}`, [namespace]);
      if (gateway.outcome !== 'unchanged' || labels.outcome !== 'unchanged') {
        events.push(onNamespace(namespace, 'Normal', 'WaypointRemoved', 'No agent or tool left: waypoint Gateway and ambient labels removed'));
      }
    }
    if (keycloakUsable) {
      await withSummary(activities.deleteStaleKeycloakClients, `Remove Keycloak clients of ${namespace}`, [{ namespace, keep: [], keycloak: config.keycloak! }], keycloakOptions(ctx.priority));
    }
    await report(ctx, events);
    return { outcome: { phase: 'Idle', waypointReady: false, agentCount: 0, waiting: [], warnings: [], workloads: [], done: keycloakUsable || !config.clientRegistration }, keycloak: config.keycloak };
  }

  let waypointReady = false;
  if (config.waypointProvisioning) {
    const label = () => clusterStep('ensureNamespaceLabels', `Label namespace ${namespace} for ambient mode`, [namespace]);
    const ensureGateway = () => clusterStep('ensureWaypointGateway', `Create or repair the waypoint Gateway of ${namespace}`, [namespace]);
    // The labels and the Gateway do not depend on each other (Istio reconciles either order).
    const [labels, gateway] = patched(PARALLEL_STEPS) ? await Promise.all([label(), ensureGateway()]) : [await label(), await ensureGateway()];
    if (labels.outcome !== 'unchanged') events.push(onNamespace(namespace, 'Normal', 'AmbientLabelsSet', 'Namespace labelled for ambient mode and its waypoint'));
    if (gateway.outcome === 'waiting') {
      waiting.push({ reason: gateway.reason, message: gateway.message });
    } else {
      if (gateway.outcome !== 'unchanged') {
        events.push(onNamespace(namespace, 'Normal', gateway.outcome === 'created' ? 'WaypointCreated' : 'WaypointRepaired', `Waypoint Gateway ${gateway.outcome}`));
      }
      const readiness = await waitForWaypoint(namespace, config.waypointReadyTimeoutSeconds);
      waypointReady = readiness.ready;
      if (!readiness.ready) waiting.push({ reason: 'WaypointNotReady', message: `Waypoint Gateway not Programmed after ${config.waypointReadyTimeoutSeconds} s: ${readiness.reason} ${readiness.message}`.trim() });
      else if (!ctx.previous?.waypointReady) events.push(onNamespace(namespace, 'Normal', 'WaypointReady', 'Waypoint Gateway is Programmed'));
    }
  }

  if (config.adminSecretInWorkloadNamespace) {
    warnings.push({ reason: 'AdminSecretInAgentNamespace', message: 'A keycloak-admin-secret exists in this agent namespace; it is ignored: remove it (admin credentials belong in the operator namespace only)' });
  }

  const workloads: WorkloadStatus[] = [];
  if (config.clientRegistration) {
    if (!config.keycloak) {
      waiting.push({ reason: 'KeycloakConfigMissing', message: 'Neither kagenti-operator-config (operator namespace) nor authbridge-config (this namespace) has KEYCLOAK_URL and KEYCLOAK_REALM' });
    } else if (!config.adminSecretReady) {
      waiting.push({ reason: 'KeycloakAdminSecretMissing', message: 'Secret keycloak-admin-secret with KEYCLOAK_ADMIN_USERNAME and KEYCLOAK_ADMIN_PASSWORD is missing in the operator namespace' });
    } else {
      const keycloak = config.keycloak;
      const registrations = Promise.all(
        snapshot.workloads.map((workload) => {
          const skipped = skipReason(workload, config);
          if (skipped) return Promise.resolve<WorkloadStatus>({ kind: workload.kind, name: workload.name, state: 'skipped', detail: skipped });
          return registerWorkload(ctx, workload, keycloak, events);
        }),
      );
      // Clients of every current workload are kept, even skipped ones: only a workload's removal removes its client.
      const removeStale = () =>
        withSummary(
          activities.deleteStaleKeycloakClients,
          `Remove Keycloak clients of deleted workloads in ${namespace}`,
          [{ namespace, keep: snapshot.workloads.map((w) => w.name), keycloak }],
          keycloakOptions(ctx.priority),
        );
      const newNamespace = !ctx.previous && snapshot.provisionedBefore === false && patched(NO_STALE_SEARCH_IN_NEW_NAMESPACE);
      const [results, stale] = patched(ONE_REGISTRATION_ACTIVITY)
        ? await Promise.all([registrations, newNamespace ? NOTHING_STALE : removeStale()])
        : [await registrations, await removeStale()];
      workloads.push(...results);
      for (const clientId of stale.deleted) events.push(onNamespace(namespace, 'Normal', 'KeycloakClientDeleted', `Keycloak client ${clientId} deleted: its workload is gone`));
    }
  }

  // Waiting states and warnings are reported when they begin, not on every pass.
  const before = new Set([...(ctx.previous?.waiting ?? []), ...(ctx.previous?.warnings ?? [])].map((w) => w.reason));
  for (const w of [...waiting, ...warnings]) if (!before.has(w.reason)) events.push(onNamespace(namespace, 'Warning', w.reason, w.message));

  const failed = workloads.some((w) => w.state === 'failed');
  const phase = waiting.length > 0 || failed ? 'Waiting' : 'Ready';
  await report(ctx, events);
  return {
    outcome: {
      phase,
      waypointReady,
      agentCount: snapshot.workloads.length,
      waiting,
      warnings,
      workloads,
      retryAfterSeconds: waiting.length > 0 ? config.retryIntervalSeconds : undefined,
      done: false,
    },
    keycloak: config.keycloak,
  };
}

/** Records the pass's events; each has a key stable on replay and retry, so none is recorded twice. */
async function report(ctx: PassContext, events: Event[]): Promise<void> {
  const keyed = events.map((event, index) => ({ ...event, namespace: ctx.namespace, key: `${ctx.eventKeyPrefix}/${index}` }));
  if (patched(BATCHED_EVENTS)) {
    if (keyed.length === 0) return;
    await clusterStep('recordEvents', `Record ${keyed.length} Event(s) in ${ctx.namespace}`, [keyed]).catch(() =>
      log.warn('Kubernetes Events could not be recorded', { namespace: ctx.namespace, events: keyed.length }),
    );
    return;
  }
  const results = await Promise.allSettled(keyed.map((event) => reporting.recordEvent(event)));
  const failed = results.filter((r) => r.status === 'rejected').length;
  if (failed > 0) log.warn('Some Kubernetes Events could not be recorded', { namespace: ctx.namespace, failed });
}
