import { log } from '@temporalio/workflow';
import type { EventInput } from '../../model/events';
import type { WaypointState } from '../../model/waypoint-gateway';
import type { AgentWorkload, NamespaceInspection, Notice, PassOutcome, WorkPriority } from '../../model/provisioning';
import { clusterStep } from '../cluster-steps';
import type { StatusAnnotation } from './status';

type Event = Omit<EventInput, 'namespace' | 'key'>;

/** Standing aside is not a problem that clears: the pass that takes over says what it did. */
const STANDBY_REASONS: ReadonlySet<string> = new Set(['SidecarMode', 'MigrationInProgress']);

/** What a pass knows besides the cluster: the previous outcome (to report only changes) and where to key its events. */
export interface PassContext {
  namespace: string;
  previous?: PassOutcome;
  /** New work or maintenance: where Keycloak work waits, new work goes first. */
  priority: WorkPriority;
  /** Unique per pass and stable on replay, e.g. `<workflow id>/<run id>/<pass number>`. */
  eventKeyPrefix: string;
  /** The watcher's word on istiod's verdict, as the pass waits for its waypoint. */
  waypointNews: WaypointNews;
  /** Writes the namespace's status annotation, knowing what it holds from the pass's own reads. */
  status: StatusAnnotation;
}

/** How a pass learns that istiod's verdict on its waypoint changed, without reading it again and again. */
export interface WaypointNews {
  /** What the pass saw itself: a word saying the same is no news. */
  saw(state: WaypointState): void;
  /** Waits up to `timeoutMs` for news not yet waited for: `none` when none came, `deleted` when the namespace was deleted meanwhile. */
  next(timeoutMs: number): Promise<'news' | 'none' | 'deleted'>;
  /** The verdict the latest word carried, as the watcher saw it on the Gateway. */
  reported(): WaypointState | undefined;
}

/** No pass finished on the namespace before: none in this run, and (no status annotation) none in any other. */
export const isFirstPass = (ctx: PassContext, inspection: NamespaceInspection) => !ctx.previous && inspection.provisionedBefore === false;

/**
 * What one pass tells people: Kubernetes Events for what it changed, and the waiting states and
 * warnings it found. A waiting state or warning is one Warning Event from the pass it began in to
 * the pass it clears in, its count raised by each pass that finds it still there.
 */
export class PassReport {
  readonly waiting: Notice[] = [];
  readonly warnings: Notice[] = [];
  private readonly events: Event[] = [];
  /** Events recorded so far in this pass: the next one's key. */
  private recorded = 0;

  constructor(private readonly ctx: PassContext) {}

  /** A Normal Event on the namespace. */
  namespaceChanged(reason: string, message: string): void {
    this.events.push({ involved: { kind: 'Namespace', name: this.ctx.namespace }, type: 'Normal', reason, message });
  }

  /** An Event on a workload. */
  workloadEvent(workload: AgentWorkload, type: Event['type'], reason: string, message: string): void {
    this.events.push({ involved: { kind: workload.kind, name: workload.name, uid: workload.uid }, type, reason, message });
  }

  /** The namespace waits for something outside the provisioner (config, a ready waypoint, ...). */
  wait(reason: string, message: string): void {
    this.waiting.push({ reason, message });
  }

  /** Something wrong that does not stop provisioning. */
  warn(reason: string, message: string): void {
    this.warnings.push({ reason, message });
  }

  /** The previous pass's report of this waiting state or warning, if it had one. */
  private previousNotice(reason: string): Notice | undefined {
    return [...(this.ctx.previous?.waiting ?? []), ...(this.ctx.previous?.warnings ?? [])].find((w) => w.reason === reason);
  }

  /** Whether the previous pass already reported this waiting state or warning. */
  reportedBefore(reason: string): boolean {
    return this.previousNotice(reason) !== undefined;
  }

  /** Records the Events so far in one step, right after the step that caused them; each has a key stable on replay and retry, so none is recorded twice. */
  async flush(): Promise<void> {
    const { namespace, eventKeyPrefix } = this.ctx;
    const keyed = this.events.splice(0).map((event) => ({ ...event, namespace, key: `${eventKeyPrefix}/${this.recorded++}` }));
    if (keyed.length === 0) return;
    await clusterStep('recordEvents', `Record ${keyed.length} Event(s) in ${namespace}: ${[...new Set(keyed.map((e) => e.reason))].join(', ')}`, [keyed]).catch(() =>
      log.warn('Kubernetes Events could not be recorded', { namespace, events: keyed.length }),
    );
  }

  /**
   * At the end of the pass: a Warning for each waiting state and warning (a new series when it
   * began, the previous pass's series when it lasts), a Normal Event for each one of the previous
   * pass that cleared, then the Events still unrecorded.
   */
  async finish(): Promise<void> {
    const { namespace, previous, eventKeyPrefix } = this.ctx;
    const now = new Set([...this.waiting, ...this.warnings].map((w) => w.reason));
    for (const w of [...this.waiting, ...this.warnings]) {
      w.series = this.previousNotice(w.reason)?.series ?? `${eventKeyPrefix}/${w.reason}`;
      this.events.push({ involved: { kind: 'Namespace', name: namespace }, type: 'Warning', reason: w.reason, message: w.message, series: w.series });
    }
    for (const w of [...(previous?.waiting ?? []), ...(previous?.warnings ?? [])]) {
      if (!now.has(w.reason) && !STANDBY_REASONS.has(w.reason)) {
        this.events.push({ involved: { kind: 'Namespace', name: namespace }, type: 'Normal', reason: `${w.reason}Cleared`, message: `No longer: ${w.message}` });
      }
    }
    await this.flush();
  }
}
