import { CancellationScope, condition, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ApproveInput, MigrationInput, MigrationPhaseName, MigrationProgress, RollbackInput, WorkloadMigrationState, WorkloadName } from '../../model/migration';
import { reporting, REPORTING_OPTIONS, withSummary } from '../activity-proxies';
import { MigrationPhase, MigrationState as MigrationStateAttribute, ProvisionerNamespace } from '../search-attributes';
import { Compensations } from './compensations';
import { describeProgress } from './describe-progress';
import { Gates } from './gates';
import { approveSignal, approveUpdate, progressQuery, rollbackSignal, rollbackUpdate } from './messages';
import { gatesOf, Wave } from './plan';
import { approvalTimeoutMs, MigrationStepFailed } from './steps';

/**
 * What a migration shows and what people do to it: its progress (the query, the search attributes,
 * the UI's details, milestone Events), its approval gates and its undo log, and the handlers of
 * approve and rollback, registered before the first step.
 */
export class MigrationState {
  private readonly namespace: string;
  readonly progress: MigrationProgress;
  readonly gates = new Gates(gatesOf(0));
  readonly compensations = new Compensations(() => this.publish());
  rollbackRequest?: RollbackInput;
  /** Set once the migration cannot change any more: completed, rolled back or failed. */
  finished?: string;
  private eventCount = 0;

  constructor(private readonly input: MigrationInput) {
    this.namespace = input.namespace;
    this.progress = {
      namespace: input.namespace,
      state: 'Running',
      phase: 'Preflight',
      workloads: [],
      gates: [],
      approvals: this.gates.approvals,
      preflight: [],
      compensations: this.compensations.records,
    };
    this.registerHandlers();
  }

  private registerHandlers(): void {
    setHandler(approveUpdate, (approval?: ApproveInput) => this.approve(approval, 'update'), {
      validator: (approval?: ApproveInput) => {
        const refusal = this.gates.refusal(approval ?? {}, this.finished);
        if (refusal) throw new Error(refusal);
      },
    });
    setHandler(approveSignal, (approval) => {
      const refusal = this.gates.refusal(approval ?? {}, this.finished);
      if (refusal) log.warn('Approval signal refused', { gate: approval?.gate, refusal });
      else this.approve(approval, 'signal');
    });
    setHandler(rollbackUpdate, (request?: RollbackInput) => this.requestRollback(request), {
      validator: (_request?: RollbackInput) => {
        const refusal = this.refusalOfRollback();
        if (refusal) throw new Error(`rollback refused: ${refusal}`);
      },
    });
    setHandler(rollbackSignal, (request) => {
      const refusal = this.refusalOfRollback();
      if (refusal) log.warn('Rollback signal refused', { refusal });
      else this.requestRollback(request);
    });
    setHandler(progressQuery, () => this.progress);
  }

  private approve(approval: ApproveInput | undefined, via: 'update' | 'signal') {
    const record = this.gates.approve(approval ?? {}, new Date().toISOString(), via);
    log.info('Gate approved', { gate: record.gate, by: record.by, via });
    return record;
  }

  private refusalOfRollback(): string | undefined {
    if (this.finished) return `the migration is ${this.finished}`;
    if (this.rollbackRequest) return 'a rollback is already under way';
    return this.progress.phase === 'Finalize' ? 'the migration is being finalized' : undefined;
  }

  private requestRollback(request: RollbackInput | undefined) {
    this.rollbackRequest = { reason: request?.reason || 'rollback requested', by: request?.by };
    return { accepted: true as const, reason: this.rollbackRequest.reason! };
  }

  publish(): void {
    this.progress.gates = this.gates.gates;
    upsertSearchAttributes([
      { key: ProvisionerNamespace, value: this.namespace },
      { key: MigrationPhase, value: this.progress.phase },
      { key: MigrationStateAttribute, value: this.progress.state },
    ]);
    setCurrentDetails(describeProgress(this.progress));
  }

  enter(phase: MigrationPhaseName): void {
    this.progress.phase = phase;
    this.publish();
  }

  setWorkloads(wave: Wave, state: WorkloadMigrationState, detail?: string): void {
    for (const w of this.progress.workloads) {
      if (wave.workloads.some((x) => x.kind === w.kind && x.name === w.name)) Object.assign(w, { state, detail });
    }
    this.publish();
  }

  showPlan(waves: Wave<WorkloadName>[]): void {
    this.gates.gates = gatesOf(waves.length);
    this.progress.workloads = waves.flatMap((wave) => wave.workloads.map((w) => ({ kind: w.kind, name: w.name, wave: wave.index, state: 'pending' as const })));
    this.publish();
  }

  /** A milestone, where `kubectl get events` shows it; a few tries, and the migration goes on without it. */
  async milestone(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const { namespace } = this;
    const info = workflowInfo();
    const event = { namespace, involved: { kind: 'Namespace' as const, name: namespace }, type, reason, message, key: `${info.workflowId}/${info.runId}/event/${this.eventCount++}` };
    await CancellationScope.nonCancellable(() => withSummary(reporting.recordEvents, `Record Event ${reason} in ${namespace}`, [[event]], REPORTING_OPTIONS)).catch(() =>
      log.warn('A migration Event could not be recorded', { reason }),
    );
  }

  /** Waits at a gate for its approval (unless approvals are off), honouring the approval deadline. */
  async awaitApproval(gate: string): Promise<void> {
    if (this.input.requireApproval === false) return;
    const { progress } = this;
    const deadline = this.input.approvalTimeout;
    const deadlineMs = deadline ? approvalTimeoutMs(deadline) : undefined;
    this.gates.awaiting = gate;
    progress.state = 'AwaitingApproval';
    progress.awaiting = { gate, since: new Date().toISOString(), deadline: deadlineMs ? new Date(Date.now() + deadlineMs).toISOString() : undefined };
    this.publish();
    const approved = () => this.gates.isApproved(gate);
    if (deadlineMs && !(await condition(approved, deadlineMs))) {
      if (this.input.onApprovalTimeout === 'rollback') throw new MigrationStepFailed(`gate '${gate}' was not approved within ${deadline}`);
      progress.state = 'Paused';
      progress.awaiting.deadline = undefined;
      progress.reason = `gate '${gate}' was not approved within ${deadline}: paused until it is`;
      this.publish();
    }
    await condition(approved);
    this.gates.awaiting = undefined;
    progress.awaiting = undefined;
    progress.state = 'Running';
    progress.reason = undefined;
    this.publish();
  }
}
