import {
  ActivityFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ApproveInput,
  MigrationInput,
  MigrationPhaseName,
  MigrationProgress,
  MigrationResult,
  RollbackInput,
  SnapshotWorkload,
  WorkloadMigrationState,
  WorkloadName,
} from '../../model/migration';
import type { KeycloakSettings } from '../../model/provisioning';
import { activities, KEYCLOAK_OPTIONS, reporting, REPORTING_OPTIONS, waitOptions, withSummary } from '../activity-proxies';
import { MigrationPhase, MigrationState, ProvisionerNamespace } from '../search-attributes';
import { Compensations } from './compensations';
import { describeProgress } from './describe-progress';
import { Gates } from './gates';
import { approveSignal, approveUpdate, progressQuery, rollbackSignal, rollbackUpdate } from './messages';
import { DEFAULT_STRATEGY, gatesOf, planWaves, strategyProblem, Wave } from './plan';
import { approvalTimeoutMs, compensation, MigrationStepFailed, step, workloadLabel as label } from './steps';

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return (error as Error).message;
}

/**
 * One namespace's sidecar-to-waypoint migration: its state (progress, gates, undo log) and the
 * handlers that read and change it, registered before the first step; each phase of the runbook
 * is one method.
 */
export class Migration {
  private readonly namespace: string;
  private readonly migrationId = workflowInfo().workflowId;
  private readonly progress: MigrationProgress;
  private readonly gates = new Gates(gatesOf(0));
  private readonly compensations = new Compensations(() => this.publish());
  private rollbackRequest?: RollbackInput;
  /** Set once the migration cannot change any more: completed, rolled back or failed. */
  private finished?: string;
  private eventCount = 0;
  /** The realm the preflight found; every registration uses it. */
  private keycloak?: KeycloakSettings;

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

  // ---- What people see and do: progress, approvals, rollback ----

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

  private publish(): void {
    this.progress.gates = this.gates.gates;
    upsertSearchAttributes([
      { key: ProvisionerNamespace, value: this.namespace },
      { key: MigrationPhase, value: this.progress.phase },
      { key: MigrationState, value: this.progress.state },
    ]);
    setCurrentDetails(describeProgress(this.progress));
  }

  private enter(phase: MigrationPhaseName): void {
    this.progress.phase = phase;
    this.publish();
  }

  private setWorkloads(wave: Wave, state: WorkloadMigrationState, detail?: string): void {
    for (const w of this.progress.workloads) {
      if (wave.workloads.some((x) => x.kind === w.kind && x.name === w.name)) Object.assign(w, { state, detail });
    }
    this.publish();
  }

  private showPlan(waves: Wave<WorkloadName>[]): void {
    this.gates.gates = gatesOf(waves.length);
    this.progress.workloads = waves.flatMap((wave) => wave.workloads.map((w) => ({ kind: w.kind, name: w.name, wave: wave.index, state: 'pending' as const })));
    this.publish();
  }

  /** A milestone, where `kubectl get events` shows it; a few tries, and the migration goes on without it. */
  private async milestone(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const { namespace } = this;
    const info = workflowInfo();
    const event = { namespace, involved: { kind: 'Namespace' as const, name: namespace }, type, reason, message, key: `${info.workflowId}/${info.runId}/event/${this.eventCount++}` };
    await CancellationScope.nonCancellable(() => withSummary(reporting.recordEvents, `Record Event ${reason} in ${namespace}`, [[event]], REPORTING_OPTIONS)).catch(() =>
      log.warn('A migration Event could not be recorded', { reason }),
    );
  }

  /** Waits at a gate for its approval (unless approvals are off), honouring the approval deadline. */
  private async awaitApproval(gate: string): Promise<void> {
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

  // ---- The runbook ----

  /** Preflight, then the forward phases; a rollback if they do not finish, else finalize. */
  async run(): Promise<MigrationResult> {
    this.publish();
    const problems = await this.preflight();
    if (problems) return this.fail(problems);
    const { rollbackReason, cancellation } = await this.runForwardPhases();
    if (rollbackReason === undefined) return this.finalize();
    await this.rollBack(rollbackReason);
    // A cancelled migration ends as cancelled, once it has rolled back.
    if (cancellation) throw cancellation;
    return { outcome: 'rolled-back', reason: rollbackReason };
  }

  /** 0. Preflight: every prerequisite checked, nothing changed. Returns what failed, if anything did. */
  private async preflight(): Promise<string | undefined> {
    const { namespace, input } = this;
    const strategy = input.strategy ?? DEFAULT_STRATEGY;
    const preflight = await step(activities.migrationPreflight, `Check the prerequisites of migrating ${namespace}`, [namespace, this.migrationId], KEYCLOAK_OPTIONS);
    const problem = strategyProblem(strategy, preflight.workloads);
    const timeoutProblem = input.approvalTimeout !== undefined && approvalTimeoutMs(input.approvalTimeout) === undefined;
    this.progress.preflight = [
      ...preflight.checks,
      { name: 'strategy', ok: !problem, message: problem ?? `${strategy.kind} fits the ${preflight.workloads.length} workload(s)` },
      ...(timeoutProblem ? [{ name: 'approval-timeout', ok: false, message: `'${input.approvalTimeout}' is not a duration such as 90s, 15m, 4h or 2d` }] : []),
    ];
    const failed = this.progress.preflight.filter((c) => !c.ok);
    if (failed.length > 0) return failed.map((c) => `${c.name}: ${c.message}`).join('; ');
    this.keycloak = preflight.config.keycloak!;
    // The plan as preflight sees it, so the first approval already shows the waves; the snapshot fixes it.
    this.showPlan(planWaves(strategy, preflight.workloads));
    return undefined;
  }

  private async fail(problems: string): Promise<MigrationResult> {
    this.finished = 'failed';
    this.progress.state = 'Failed';
    this.progress.reason = `preflight failed: ${problems}`;
    this.publish();
    await this.milestone('Warning', 'MigrationPreflightFailed', this.progress.reason);
    return { outcome: 'preflight-failed', reason: this.progress.reason };
  }

  /** Runs the forward phases until they finish, a step fails, a rollback is asked for, or the workflow is cancelled. */
  private async runForwardPhases(): Promise<{ rollbackReason?: string; cancellation?: unknown }> {
    const scope = new CancellationScope();
    // Not awaited: it only cancels the forward scope; its own cancellation (the workflow's) is expected.
    condition(() => this.rollbackRequest !== undefined).then(
      () => scope.cancel(),
      () => undefined,
    );
    try {
      await scope.run(() => this.forward());
      return {};
    } catch (error) {
      if (this.rollbackRequest) return { rollbackReason: `${this.rollbackRequest.reason}${this.rollbackRequest.by ? ` (by ${this.rollbackRequest.by})` : ''}` };
      if (isCancellation(error)) return { rollbackReason: 'the workflow was cancelled', cancellation: error };
      if (error instanceof MigrationStepFailed || error instanceof ActivityFailure) return { rollbackReason: failureMessage(error) };
      throw error;
    }
  }

  private async forward(): Promise<void> {
    await this.awaitApproval('preflight');
    const waves = await this.takeSnapshot();
    await this.awaitApproval('snapshot');
    await this.prepare();
    await this.awaitApproval('prepare');
    for (const wave of waves) {
      await this.migrateWave(wave, waves.length);
      await this.awaitApproval(`wave-${wave.index}`);
    }
    await this.cleanUp();
    await this.awaitApproval('cleanup');
  }

  /** 1. Snapshot: hold the namespace (the provisioner stands aside), then save what a rollback restores. */
  private async takeSnapshot(): Promise<Wave[]> {
    const { namespace, migrationId, compensations } = this;
    this.enter('Snapshot');
    compensations.add(`Hand ${namespace} back to the provisioner`, () =>
      withSummary(compensation.releaseNamespaceFromMigration, `Undo: hand ${namespace} back to the provisioner`, [namespace, migrationId]),
    );
    await step(activities.holdNamespaceForMigration, `Hold ${namespace} for its migration`, [namespace, migrationId]);
    compensations.add('Delete the snapshot', () => withSummary(compensation.deleteMigrationSnapshot, `Undo: delete the snapshot of ${namespace}`, [namespace]));
    const snapshot = await step(
      activities.takeMigrationSnapshot,
      `Snapshot ${namespace}: labels, pod templates, legacy Secrets`,
      [{ namespace, keycloak: this.keycloak!, legacySecretSelector: this.input.legacySecretSelector }],
      KEYCLOAK_OPTIONS,
    );
    this.progress.snapshot = snapshot;
    const waves = planWaves(this.input.strategy ?? DEFAULT_STRATEGY, snapshot.workloads);
    this.showPlan(waves);
    await this.milestone('Normal', 'MigrationStarted', `Migration ${migrationId} holds the namespace; snapshot ${snapshot.secretName}; ${waves.length} wave(s)`);
    return waves;
  }

  /** 2. Prepare: ambient labels, the waypoint Gateway, and its readiness. */
  private async prepare(): Promise<void> {
    const { namespace, compensations } = this;
    const waypointTimeout = this.input.waypointReadyTimeoutSeconds ?? 60;
    this.enter('Prepare');
    compensations.add('Restore the namespace labels', () => withSummary(compensation.restoreNamespaceLabels, `Undo: restore the labels of ${namespace}`, [namespace]));
    await step(activities.ensureNamespaceLabels, `Label namespace ${namespace} for ambient mode`, [namespace]);
    compensations.add('Remove the waypoint Gateway if this migration created it', () =>
      withSummary(compensation.removeMigrationGateway, `Undo: remove the waypoint Gateway of ${namespace} if the migration created it`, [namespace]),
    );
    const gateway = await step(activities.ensureWaypointGateway, `Create or repair the waypoint Gateway of ${namespace}`, [namespace]);
    if (gateway.outcome === 'waiting') throw new MigrationStepFailed(gateway.message);
    const readiness = await step(
      activities.waitForGatewayProgrammed,
      `Wait up to ${waypointTimeout} s for the waypoint of ${namespace} to be Programmed`,
      [namespace, waypointTimeout],
      waitOptions(waypointTimeout),
    );
    if (!readiness.ready) throw new MigrationStepFailed(`the waypoint Gateway was not Programmed within ${waypointTimeout} s: ${readiness.reason} ${readiness.message}`.trim());
  }

  /** 3. One wave: switch off injection (first wave), register, switch and restart, roll out, validate. */
  private async migrateWave(wave: Wave, total: number): Promise<void> {
    this.enter('Wave');
    this.progress.wave = { index: wave.index, total };
    if (wave.index === 1) await this.turnOffSidecarInjection();
    this.setWorkloads(wave, 'switching');
    await Promise.all(wave.workloads.map((w) => this.register(w)));
    await this.switchToWaypoint(wave);
    await this.rollOut(wave);
    await this.validate(wave);
    await this.milestone('Normal', 'MigrationWaveCompleted', `Wave ${wave.index} of ${total} in waypoint mode and validated: ${wave.workloads.map(label).join(', ')}`);
  }

  private async turnOffSidecarInjection(): Promise<void> {
    const { namespace } = this;
    this.compensations.add('Restore istio-injection on the namespace', () =>
      withSummary(compensation.restoreNamespaceLabels, `Undo: restore the labels of ${namespace}`, [namespace]),
    );
    await step(activities.removeIstioInjection, `Turn off sidecar injection in ${namespace}`, [namespace]);
  }

  private async register(w: SnapshotWorkload): Promise<void> {
    const { namespace } = this;
    const keycloak = this.keycloak!;
    this.compensations.add(`Remove the Keycloak client and credentials Secret of ${label(w)}`, () =>
      withSummary(compensation.removeMigratedRegistration, `Undo: remove the Keycloak client and credentials Secret of ${label(w)}`, [namespace, w, keycloak], KEYCLOAK_OPTIONS),
    );
    const client = await step(activities.ensureKeycloakClient, `Ensure Keycloak client for ${label(w)}`, [{ namespace, workload: w, keycloak }], KEYCLOAK_OPTIONS);
    await step(activities.ensureClientCredentialsSecret, `Ensure credentials Secret for ${label(w)}`, [{ namespace, workload: w, keycloak, clientId: client.clientId }], KEYCLOAK_OPTIONS);
  }

  private async switchToWaypoint(wave: Wave): Promise<void> {
    const { namespace } = this;
    // One stamp per wave, fixed in history: a retried switch writes the same template and restarts nothing twice.
    const restartedAt = new Date().toISOString();
    for (const w of wave.workloads) {
      this.compensations.add(`Restore the pod template of ${label(w)}`, () =>
        withSummary(compensation.restoreWorkloadTemplate, `Undo: restore the pod template of ${label(w)}`, [namespace, { kind: w.kind, name: w.name }]),
      );
    }
    await Promise.all(
      wave.workloads.map((w) =>
        step(activities.switchWorkloadToWaypoint, `Switch ${label(w)} to waypoint mode and restart it`, [namespace, { workload: { kind: w.kind, name: w.name }, restartedAt }]),
      ),
    );
  }

  private async rollOut(wave: Wave): Promise<void> {
    const timeout = this.input.rolloutTimeoutSeconds ?? 300;
    this.setWorkloads(wave, 'rolling-out');
    const names = wave.workloads.map((w) => ({ kind: w.kind, name: w.name }));
    const rollout = await step(activities.waitForRollout, `Wait up to ${timeout} s for wave ${wave.index} to roll out`, [this.namespace, names, timeout], waitOptions(timeout));
    if (!rollout.done) {
      this.setWorkloads(wave, 'failed', 'rollout timed out');
      throw new MigrationStepFailed(`wave ${wave.index} did not roll out within ${timeout} s: ${rollout.pending.map((p) => `${p.workload}: ${p.detail}`).join('; ')}`);
    }
  }

  private async validate(wave: Wave): Promise<void> {
    this.setWorkloads(wave, 'validating');
    const results = await Promise.all(
      wave.workloads.map((w) =>
        step(activities.validateMigratedWorkload, `Validate ${label(w)}: one container, credentials, token`, [this.namespace, { kind: w.kind, name: w.name }, this.keycloak!]),
      ),
    );
    for (const result of results) {
      const entry = this.progress.workloads.find((w) => label(w) === result.workload)!;
      Object.assign(entry, result.ok ? { state: 'migrated', detail: undefined } : { state: 'failed', detail: result.failures.join('; ') });
    }
    this.publish();
    const invalid = results.filter((r) => !r.ok);
    if (invalid.length > 0) throw new MigrationStepFailed(`validation of wave ${wave.index} failed: ${invalid.map((r) => `${r.workload}: ${r.failures.join('; ')}`).join(' | ')}`);
  }

  /** 4. Clean-up: the legacy Secrets go (the snapshot keeps them until the migration is finalized). */
  private async cleanUp(): Promise<void> {
    const { namespace } = this;
    this.enter('Cleanup');
    this.compensations.add('Restore the legacy Secrets', () => withSummary(compensation.restoreLegacySecrets, `Undo: restore the legacy Secrets of ${namespace}`, [namespace]));
    await step(activities.deleteLegacySecrets, `Delete the legacy Secrets of ${namespace}`, [namespace]);
  }

  /** 5. Finalize: past this point there is nothing to roll back to. */
  private async finalize(): Promise<MigrationResult> {
    const { namespace } = this;
    this.enter('Finalize');
    await CancellationScope.nonCancellable(async () => {
      await step(activities.deleteMigrationSnapshot, `Finalize: delete the snapshot of ${namespace}`, [namespace]);
      await step(activities.releaseNamespaceFromMigration, `Finalize: hand ${namespace} back to the provisioner`, [namespace, this.migrationId]);
    });
    this.finished = 'completed';
    this.progress.state = 'Completed';
    this.enter('Done');
    await this.milestone('Normal', 'MigrationCompleted', 'The namespace is in waypoint mode; the snapshot is deleted and the provisioner takes over');
    return { outcome: 'completed' };
  }

  /** Rollback: the recorded compensations, newest first, return the namespace to its snapshot. */
  private async rollBack(reason: string): Promise<void> {
    const { progress } = this;
    progress.state = 'RollingBack';
    progress.reason = reason;
    progress.awaiting = undefined;
    this.gates.awaiting = undefined;
    for (const w of progress.workloads) if (w.state !== 'pending') w.state = 'restored';
    this.publish();
    await this.milestone('Warning', 'MigrationRollingBack', `Rolling back: ${reason}`);
    await this.compensations.unwind();
    this.finished = 'rolled back';
    progress.state = 'RolledBack';
    this.enter('Done');
    await this.milestone('Normal', 'MigrationRolledBack', 'The namespace is back as its snapshot had it');
  }
}
