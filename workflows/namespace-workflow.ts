import {
  allHandlersFinished,
  condition,
  continueAsNew,
  metricMeter,
  setCurrentDetails,
  setHandler,
  setWorkflowOptions,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { KeycloakSettings, PassOutcome, wakePriority, WorkPriority } from '../model/provisioning';
import { activities, keycloakOptions, withSummary } from './activity-proxies';
import { getStatusQuery, namespaceDeletedSignal, NamespaceStatus, resourcesChangedSignal } from './messages';
import { provisioningPass } from './provisioning-pass';
import type { WaypointNews } from './provisioning/pass-report';
import { StatusAnnotation } from './provisioning/status';
import type { WaypointState } from '../model/waypoint-gateway';
import { AgentCount, ProvisionerNamespace, ProvisionerPhase, WaypointReady } from './search-attributes';
import { continueOnTargetBuild, newerBuildIsTarget, PINNED } from './worker-version';

export interface NamespaceWorkflowInput {
  namespace: string;
  /** Continue-as-new once the history has more events than this (default 2,000). */
  historyLimit?: number;
  /** State carried over continue-as-new; `pending` false: the new run waits for work before its first pass. */
  carried?: { passes: number; last?: PassOutcome; keycloak?: KeycloakSettings; pending?: boolean };
}

// Recorded once per pass, not on replay; exported by the worker's Prometheus endpoint.
const passDuration = metricMeter.createHistogram('kagenti_provisioning_pass_duration', 'float', 's', 'Duration of one provisioning pass, by resulting phase');
const passCount = metricMeter.createCounter('kagenti_provisioning_passes', '1', 'Provisioning passes, by resulting phase');

const sameState = (a: WaypointState, b: WaypointState | undefined) => a.ready === b?.ready && a.refused === b?.refused;

/**
 * Passes brought only by istiod's word (no change, no retry) start at least this long after the
 * last one ended: a tenant flipping its Gateway's status cannot buy a pass per flip. A change the
 * watcher saw is not held back.
 */
const WAYPOINT_PASS_SPACING_MS = 5_000;

/** Continue-as-new well before the history gets large, even if the server does not suggest it yet. */
const DEFAULT_HISTORY_LIMIT = 2_000;

/** The last pass as the Temporal UI shows it: Markdown, one list item per fact. */
function describe(namespace: string, outcome: PassOutcome): string {
  const items = [
    `waypoint ready: ${outcome.waypointReady ? 'yes' : 'no'}; agent workloads: ${outcome.agentCount}`,
    ...outcome.waiting.map((w) => `waiting: ${w.reason}: ${w.message}`),
    ...outcome.warnings.map((w) => `warning: ${w.reason}: ${w.message}`),
    ...outcome.workloads.map((w) => `${w.kind} ${w.name}: ${w.state}${w.clientId ? ` (${w.clientId})` : ''}${w.detail ? `: ${w.detail}` : ''}`),
  ];
  return [`**${namespace}**: ${outcome.phase}`, '', ...items.map((item) => `- ${item}`)].join('\n');
}

/** One namespace's provisioning: what the workflow knows between passes, and the handlers that change it. */
class NamespaceProvisioner {
  private pending: boolean;
  /** Whether a signal came since the last pass, and whether any of them asked for new work. */
  private sawSignal = false;
  private urgent = false;
  private deleted = false;
  /** An upgrade asked this run to look whether a newer build of the worker is its target. */
  private buildCheckAsked = false;
  /** The watcher's words that istiod's verdict on the waypoint changed (`waypoint` wakes) that were news, and how many a pass has heeded. */
  private waypointWakes = 0;
  private waypointWakesHeeded = 0;
  /** istiod's verdict as a pass last saw it: a word saying the same is no news. */
  private knownWaypoint?: WaypointState;
  /** istiod's verdict as the watcher's latest word carried it. */
  private reportedWaypoint?: WaypointState;
  private passes: number;
  private last?: PassOutcome;
  /** The Keycloak settings last in force: the clean-up after deletion uses them. */
  private keycloak?: KeycloakSettings;
  /** A pass started by the retry timer of a waiting state goes on with the priority of the pass that waited. */
  private priority: WorkPriority = 'new';
  /** When the last pass of this run ended (workflow time). */
  private lastPassEndedAt?: number;

  constructor(private readonly input: NamespaceWorkflowInput) {
    this.pending = input.carried?.pending ?? true;
    this.passes = input.carried?.passes ?? 0;
    this.last = input.carried?.last;
    this.keycloak = input.carried?.keycloak;
    if (this.last?.waypointReady) this.knownWaypoint = { ready: true, refused: false };
    setHandler(resourcesChangedSignal, (change) => {
      // Heeded by a pass waiting for its waypoint, or weighed once the pass in progress has ended: see wantsPass.
      if (change?.reason === 'waypoint') {
        this.reportedWaypoint = change.waypoint;
        if (!change.waypoint || !sameState(change.waypoint, this.knownWaypoint)) this.waypointWakes++;
        return;
      }
      if (change?.reason === 'upgrade') {
        this.buildCheckAsked = true;
        return;
      }
      this.pending = true;
      this.sawSignal = true;
      if (wakePriority(change?.reason) === 'new') this.urgent = true;
    });
    setHandler(namespaceDeletedSignal, () => {
      this.deleted = true;
    });
    setHandler(getStatusQuery, (): NamespaceStatus => ({ namespace: this.input.namespace, passes: this.passes, pending: this.pending, last: this.last }));
  }

  /** Passes until the namespace is gone (then its clients go too) or needs nothing more. */
  async run(): Promise<'deleted' | 'idle'> {
    for (;;) {
      await this.waitForWork();
      if (this.deleted) break;
      const last = await this.runPass();
      if (last.phase === 'Deleting') break;
      if (last.done && !this.wantsPass()) return 'idle';
      await this.continueAsNewIfLong();
    }
    await this.removeClientsOfDeletedNamespace();
    return 'deleted';
  }

  /** A change was signalled, or istiod's verdict changed since a pass last looked (a pass waiting for its waypoint heeds it itself). */
  private wantsPass(): boolean {
    return this.pending || this.waypointWakes > this.waypointWakesHeeded;
  }

  /** For the pass: the watcher's news of its waypoint (see WaypointNews). */
  private readonly waypointNews: WaypointNews = {
    saw: (state) => {
      this.knownWaypoint = { ready: state.ready, refused: state.refused };
    },
    next: async (timeoutMs) => {
      const came = await condition(() => this.waypointWakes > this.waypointWakesHeeded || this.deleted, timeoutMs);
      this.waypointWakesHeeded = this.waypointWakes;
      if (this.deleted) return 'deleted';
      return came ? 'news' : 'none';
    },
    reported: () => this.reportedWaypoint,
  };

  /**
   * Until a pass is wanted, the namespace is deleted, or a waiting state's retry interval passes.
   * Between passes is where the run moves to a newer build of the worker, if one is its target:
   * it continues-as-new onto it, carrying whether a pass is wanted.
   */
  private async waitForWork(): Promise<void> {
    for (;;) {
      const retryAfter = this.last?.retryAfterSeconds;
      const wokenOrDue = () => this.wantsPass() || this.deleted || this.buildCheckAsked;
      if (retryAfter !== undefined) {
        if (!(await condition(wokenOrDue, `${retryAfter} seconds`))) this.pending = true;
      } else {
        await condition(wokenOrDue);
      }
      this.buildCheckAsked = false;
      if (newerBuildIsTarget() && !this.deleted) await this.continueOnNewerBuild();
      if (this.wantsPass() || this.deleted) break;
    }
    if (!this.pending && !this.deleted && this.lastPassEndedAt !== undefined) {
      const early = this.lastPassEndedAt + WAYPOINT_PASS_SPACING_MS - Date.now();
      if (early > 0) await condition(() => this.pending || this.deleted, early);
    }
    if (this.wantsPass() && !this.pending) this.sawSignal = this.urgent = true;
    // The pass reads the waypoint afresh: words that came before it are heeded by it.
    this.waypointWakesHeeded = this.waypointWakes;
    if (this.sawSignal) this.priority = this.urgent ? 'new' : 'maintenance';
    this.pending = false;
    this.urgent = false;
    this.sawSignal = false;
  }

  /** One pass, then its outcome where people look: search attributes, the UI's details, the status annotation. */
  private async runPass(): Promise<PassOutcome> {
    const { namespace } = this.input;
    upsertSearchAttributes([
      { key: ProvisionerNamespace, value: namespace },
      { key: ProvisionerPhase, value: 'Provisioning' },
    ]);
    const info = workflowInfo();
    const started = Date.now();
    const status = new StatusAnnotation(namespace);
    const result = await provisioningPass({
      namespace,
      previous: this.last,
      priority: this.priority,
      eventKeyPrefix: `${info.workflowId}/${info.runId}/${this.passes}`,
      waypointNews: this.waypointNews,
      status,
    });
    this.passes++;
    this.lastPassEndedAt = Date.now();
    const last = (this.last = result.outcome);
    passDuration.record((Date.now() - started) / 1000, { phase: last.phase });
    passCount.add(1, { phase: last.phase });
    this.keycloak = result.keycloak ?? this.keycloak;
    upsertSearchAttributes([
      { key: ProvisionerPhase, value: last.phase },
      { key: WaypointReady, value: last.waypointReady },
      { key: AgentCount, value: last.agentCount },
    ]);
    setCurrentDetails(describe(namespace, last));
    // A namespace in standby is not written to at all, not even the status annotation.
    if (last.phase !== 'Standby') await status.write(last);
    return last;
  }

  /** The next run starts on the worker build that is now the target; nothing is lost, no pass is added. */
  private async continueOnNewerBuild(): Promise<never> {
    return continueOnTargetBuild<typeof namespaceWorkflow>(this.nextRun(this.wantsPass()));
  }

  /** The next run's input: what this one knows; `pending` unset: the next run starts with a pass. */
  private nextRun(pending?: boolean): NamespaceWorkflowInput {
    return { namespace: this.input.namespace, historyLimit: this.input.historyLimit, carried: { passes: this.passes, last: this.last, keycloak: this.keycloak, pending } };
  }

  private async continueAsNewIfLong(): Promise<void> {
    const { continueAsNewSuggested, historyLength } = workflowInfo();
    if (!continueAsNewSuggested && historyLength <= (this.input.historyLimit ?? DEFAULT_HISTORY_LIMIT)) return;
    await condition(allHandlersFinished);
    await continueAsNew<typeof namespaceWorkflow>(this.nextRun());
  }

  /** The namespace is gone: its workloads' clients are removed with the settings last in force. */
  private async removeClientsOfDeletedNamespace(): Promise<void> {
    const { namespace } = this.input;
    upsertSearchAttributes([{ key: ProvisionerPhase, value: 'Deleting' }]);
    if (!this.keycloak) return;
    await withSummary(
      activities.deleteStaleKeycloakClients,
      `Remove all Keycloak clients of deleted namespace ${namespace}`,
      [{ namespace, keep: [], keycloak: this.keycloak }],
      keycloakOptions('maintenance'),
    );
  }
}

/**
 * The long-lived workflow of one agent namespace (id `ns-provisioner/<namespace>`). It runs a
 * provisioning pass when told that something changed; events during a pass fold into one more pass.
 * Waiting states are looked at again after the retry interval. When the namespace is gone it
 * removes the Keycloak clients it created and ends; when there is nothing to do it ends too (the
 * watcher starts it again on the next agent).
 */
export async function namespaceWorkflow(input: NamespaceWorkflowInput): Promise<'deleted' | 'idle'> {
  return new NamespaceProvisioner(input).run();
}
// Never replays on another build: it moves to a newer one by continuing-as-new between passes.
setWorkflowOptions(PINNED, namespaceWorkflow);
