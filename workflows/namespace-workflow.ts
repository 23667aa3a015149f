import {
  allHandlersFinished,
  condition,
  continueAsNew,
  metricMeter,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { activities, keycloakOptions, withSummary } from './activity-proxies';
import { clusterStep } from './cluster-steps';
import { getStatusQuery, namespaceDeletedSignal, NamespaceStatus, resourcesChangedSignal } from './messages';
import { provisioningPass } from './provisioning-pass';
import { AgentCount, ProvisionerNamespace, ProvisionerPhase, WaypointReady } from './search-attributes';
import type { KeycloakSettings, PassOutcome, WorkPriority } from '../model/provisioning';

export interface NamespaceWorkflowInput {
  namespace: string;
  /** Continue-as-new once the history has more events than this (default 2,000). */
  historyLimit?: number;
  /** State carried over continue-as-new. */
  carried?: { passes: number; last?: PassOutcome; keycloak?: KeycloakSettings };
}

// Recorded once per pass, not on replay; exported by the worker's Prometheus endpoint.
const passDuration = metricMeter.createHistogram('kagenti_provisioning_pass_duration', 'float', 's', 'Duration of one provisioning pass, by resulting phase');
const passCount = metricMeter.createCounter('kagenti_provisioning_passes', '1', 'Provisioning passes, by resulting phase');

/** Continue-as-new well before the history gets large, even if the server does not suggest it yet. */
const DEFAULT_HISTORY_LIMIT = 2_000;

function describe(namespace: string, outcome: PassOutcome): string {
  // Markdown, as the Temporal UI renders it: one list item per fact.
  const items = [
    `waypoint ready: ${outcome.waypointReady ? 'yes' : 'no'}; agent workloads: ${outcome.agentCount}`,
    ...outcome.waiting.map((w) => `waiting: ${w.reason}: ${w.message}`),
    ...outcome.warnings.map((w) => `warning: ${w.reason}: ${w.message}`),
    ...outcome.workloads.map((w) => `${w.kind} ${w.name}: ${w.state}${w.clientId ? ` (${w.clientId})` : ''}${w.detail ? `: ${w.detail}` : ''}`),
  ];
  return [`**${namespace}**: ${outcome.phase}`, '', ...items.map((item) => `- ${item}`)].join('\n');
}

/**
 * The long-lived workflow of one agent namespace (id `ns-provisioner/<namespace>`). It runs a
 * provisioning pass when told that something changed; events during a pass fold into one more pass.
 * Waiting states are looked at again after the retry interval. When the namespace is gone it
 * removes the Keycloak clients it created and ends; when there is nothing to do it ends too (the
 * watcher starts it again on the next agent).
 */
export async function namespaceWorkflow(input: NamespaceWorkflowInput): Promise<'deleted' | 'idle'> {
  const { namespace } = input;
  let pending = true;
  // Whether a signal came since the last pass, and whether any of them asked for new work.
  let sawSignal = false;
  let urgent = false;
  let deleted = false;
  let passes = input.carried?.passes ?? 0;
  let last = input.carried?.last;
  let keycloak = input.carried?.keycloak;

  setHandler(resourcesChangedSignal, (change) => {
    pending = true;
    sawSignal = true;
    // Only the provisioner's own maintenance says so; anything else (a person, no reason) is new work.
    if (change?.reason !== 'takeover' && change?.reason !== 'audit') urgent = true;
  });
  setHandler(namespaceDeletedSignal, () => {
    deleted = true;
  });
  setHandler(getStatusQuery, (): NamespaceStatus => ({ namespace, passes, pending, last }));

  // A pass started by the retry timer of a waiting state goes on with the priority of the pass that waited.
  let priority: WorkPriority = 'new';
  for (;;) {
    const retryAfter = last?.retryAfterSeconds;
    if (retryAfter !== undefined) {
      if (!(await condition(() => pending || deleted, `${retryAfter} seconds`))) pending = true;
    } else {
      await condition(() => pending || deleted);
    }
    if (deleted) break;
    if (sawSignal) priority = urgent ? 'new' : 'maintenance';
    pending = false;
    urgent = false;
    sawSignal = false;

    upsertSearchAttributes([
      { key: ProvisionerNamespace, value: namespace },
      { key: ProvisionerPhase, value: 'Provisioning' },
    ]);
    const info = workflowInfo();
    const passStarted = Date.now();
    const result = await provisioningPass({ namespace, previous: last, priority, eventKeyPrefix: `${info.workflowId}/${info.runId}/${passes}` });
    passes++;
    last = result.outcome;
    passDuration.record((Date.now() - passStarted) / 1000, { phase: last.phase });
    passCount.add(1, { phase: last.phase });
    keycloak = result.keycloak ?? keycloak;
    upsertSearchAttributes([
      { key: ProvisionerPhase, value: last.phase },
      { key: WaypointReady, value: last.waypointReady },
      { key: AgentCount, value: last.agentCount },
    ]);
    setCurrentDetails(describe(namespace, last));
    // A namespace in standby is not written to at all, not even the status annotation.
    if (last.phase !== 'Standby') {
      await clusterStep('recordNamespaceStatus', `Write the status annotation of ${namespace}`, [
        namespace,
        JSON.stringify({ phase: last.phase, waypointReady: last.waypointReady, agents: last.agentCount, waiting: last.waiting.map((w) => w.reason) }),
      ]);
    }

    if (last.phase === 'Deleting') {
      deleted = true;
      break;
    }
    if (last.done && !pending) return 'idle';
    const { continueAsNewSuggested, historyLength } = workflowInfo();
    if (continueAsNewSuggested || historyLength > (input.historyLimit ?? DEFAULT_HISTORY_LIMIT)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof namespaceWorkflow>({ namespace, historyLimit: input.historyLimit, carried: { passes, last, keycloak } });
    }
  }

  // The namespace is gone: its workloads' clients are removed with the settings last in force.
  upsertSearchAttributes([{ key: ProvisionerPhase, value: 'Deleting' }]);
  if (keycloak) {
    await withSummary(activities.deleteStaleKeycloakClients, `Remove all Keycloak clients of deleted namespace ${namespace}`, [{ namespace, keep: [], keycloak }], keycloakOptions('maintenance'));
  }
  return 'deleted';
}
