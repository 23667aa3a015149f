import { ActivityFailure, CancellationScope, condition, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { MigrationInput, MigrationResult, SnapshotWorkload } from '../../model/migration';
import type { KeycloakSettings } from '../../model/provisioning';
import { activities, KEYCLOAK_OPTIONS, waitOptions, withSummary } from '../activity-proxies';
import { MigrationState } from './migration-state';
import { DEFAULT_STRATEGY, planWaves, strategyProblem, Wave } from './plan';
import { approvalTimeoutMs, compensation, MigrationStepFailed, step, workloadLabel as label } from './steps';

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return (error as Error).message;
}

/**
 * One namespace's sidecar-to-waypoint migration, the runbook it replaces one method per phase; its
 * state and what people do to it are in MigrationState.
 */
export class Migration {
  private readonly namespace: string;
  private readonly migrationId = workflowInfo().workflowId;
  private readonly state: MigrationState;
  /** The realm the preflight found; every registration uses it. */
  private keycloak?: KeycloakSettings;

  constructor(private readonly input: MigrationInput) {
    this.namespace = input.namespace;
    this.state = new MigrationState(input);
  }

  /** Preflight, then the forward phases; a rollback if they do not finish, else finalize. */
  async run(): Promise<MigrationResult> {
    this.state.publish();
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
    this.state.progress.preflight = [
      ...preflight.checks,
      { name: 'strategy', ok: !problem, message: problem ?? `${strategy.kind} fits the ${preflight.workloads.length} workload(s)` },
      ...(timeoutProblem ? [{ name: 'approval-timeout', ok: false, message: `'${input.approvalTimeout}' is not a duration such as 90s, 15m, 4h or 2d` }] : []),
    ];
    const failed = this.state.progress.preflight.filter((c) => !c.ok);
    if (failed.length > 0) return failed.map((c) => `${c.name}: ${c.message}`).join('; ');
    this.keycloak = preflight.config.keycloak!;
    // The plan as preflight sees it, so the first approval already shows the waves; the snapshot fixes it.
    this.state.showPlan(planWaves(strategy, preflight.workloads));
    return undefined;
  }

  private async fail(problems: string): Promise<MigrationResult> {
    this.state.finished = 'failed';
    this.state.progress.state = 'Failed';
    this.state.progress.reason = `preflight failed: ${problems}`;
    this.state.publish();
    await this.state.milestone('Warning', 'MigrationPreflightFailed', this.state.progress.reason);
    return { outcome: 'preflight-failed', reason: this.state.progress.reason };
  }

  /** Runs the forward phases until they finish, a step fails, a rollback is asked for, or the workflow is cancelled. */
  private async runForwardPhases(): Promise<{ rollbackReason?: string; cancellation?: unknown }> {
    const scope = new CancellationScope();
    // Not awaited: it only cancels the forward scope; its own cancellation (the workflow's) is expected.
    condition(() => this.state.rollbackRequest !== undefined).then(
      () => scope.cancel(),
      () => undefined,
    );
    try {
      await scope.run(() => this.forward());
      return {};
    } catch (error) {
      if (this.state.rollbackRequest) return { rollbackReason: `${this.state.rollbackRequest.reason}${this.state.rollbackRequest.by ? ` (by ${this.state.rollbackRequest.by})` : ''}` };
      if (isCancellation(error)) return { rollbackReason: 'the workflow was cancelled', cancellation: error };
      if (error instanceof MigrationStepFailed || error instanceof ActivityFailure) return { rollbackReason: failureMessage(error) };
      throw error;
    }
  }

  private async forward(): Promise<void> {
    await this.state.awaitApproval('preflight');
    const waves = await this.takeSnapshot();
    await this.state.awaitApproval('snapshot');
    await this.prepare();
    await this.state.awaitApproval('prepare');
    for (const wave of waves) {
      await this.migrateWave(wave, waves.length);
      await this.state.awaitApproval(`wave-${wave.index}`);
    }
    await this.cleanUp();
    await this.state.awaitApproval('cleanup');
  }

  /** 1. Snapshot: hold the namespace (the provisioner stands aside), then save what a rollback restores. */
  private async takeSnapshot(): Promise<Wave[]> {
    const { namespace, migrationId } = this;
    const { compensations } = this.state;
    this.state.enter('Snapshot');
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
    this.state.progress.snapshot = snapshot;
    const waves = planWaves(this.input.strategy ?? DEFAULT_STRATEGY, snapshot.workloads);
    this.state.showPlan(waves);
    await this.state.milestone('Normal', 'MigrationStarted', `Migration ${migrationId} holds the namespace; snapshot ${snapshot.secretName}; ${waves.length} wave(s)`);
    return waves;
  }

  /** 2. Prepare: ambient labels, the waypoint Gateway, and its readiness. */
  private async prepare(): Promise<void> {
    const { namespace } = this;
    const { compensations } = this.state;
    const waypointTimeout = this.input.waypointReadyTimeoutSeconds ?? 60;
    this.state.enter('Prepare');
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
    if (readiness.refused) throw new MigrationStepFailed(`istiod refused the waypoint Gateway: ${readiness.reason}: ${readiness.message}`);
    if (!readiness.ready) throw new MigrationStepFailed(`the waypoint Gateway was not Programmed within ${waypointTimeout} s: ${readiness.reason} ${readiness.message}`.trim());
  }

  /** 3. One wave: switch off injection (first wave), register, switch and restart, roll out, validate. */
  private async migrateWave(wave: Wave, total: number): Promise<void> {
    this.state.enter('Wave');
    this.state.progress.wave = { index: wave.index, total };
    if (wave.index === 1) await this.turnOffSidecarInjection();
    this.state.setWorkloads(wave, 'switching');
    await Promise.all(wave.workloads.map((w) => this.register(w)));
    await this.switchToWaypoint(wave);
    await this.rollOut(wave);
    await this.validate(wave);
    await this.state.milestone('Normal', 'MigrationWaveCompleted', `Wave ${wave.index} of ${total} in waypoint mode and validated: ${wave.workloads.map(label).join(', ')}`);
  }

  private async turnOffSidecarInjection(): Promise<void> {
    const { namespace } = this;
    this.state.compensations.add('Restore istio-injection on the namespace', () =>
      withSummary(compensation.restoreNamespaceLabels, `Undo: restore the labels of ${namespace}`, [namespace]),
    );
    await step(activities.removeIstioInjection, `Turn off sidecar injection in ${namespace}`, [namespace]);
  }

  private async register(w: SnapshotWorkload): Promise<void> {
    const { namespace } = this;
    const keycloak = this.keycloak!;
    this.state.compensations.add(`Remove the Keycloak client and credentials Secret of ${label(w)}`, () =>
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
      this.state.compensations.add(`Restore the pod template of ${label(w)}`, () =>
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
    this.state.setWorkloads(wave, 'rolling-out');
    const names = wave.workloads.map((w) => ({ kind: w.kind, name: w.name }));
    const rollout = await step(activities.waitForRollout, `Wait up to ${timeout} s for wave ${wave.index} to roll out`, [this.namespace, names, timeout], waitOptions(timeout));
    if (!rollout.done) {
      this.state.setWorkloads(wave, 'failed', 'rollout timed out');
      throw new MigrationStepFailed(`wave ${wave.index} did not roll out within ${timeout} s: ${rollout.pending.map((p) => `${p.workload}: ${p.detail}`).join('; ')}`);
    }
  }

  private async validate(wave: Wave): Promise<void> {
    this.state.setWorkloads(wave, 'validating');
    const results = await Promise.all(
      wave.workloads.map((w) =>
        step(activities.validateMigratedWorkload, `Validate ${label(w)}: one container, credentials, token`, [this.namespace, { kind: w.kind, name: w.name }, this.keycloak!]),
      ),
    );
    for (const result of results) {
      const entry = this.state.progress.workloads.find((w) => label(w) === result.workload)!;
      Object.assign(entry, result.ok ? { state: 'migrated', detail: undefined } : { state: 'failed', detail: result.failures.join('; ') });
    }
    this.state.publish();
    const invalid = results.filter((r) => !r.ok);
    if (invalid.length > 0) throw new MigrationStepFailed(`validation of wave ${wave.index} failed: ${invalid.map((r) => `${r.workload}: ${r.failures.join('; ')}`).join(' | ')}`);
  }

  /** 4. Clean-up: the legacy Secrets go (the snapshot keeps them until the migration is finalized). */
  private async cleanUp(): Promise<void> {
    const { namespace } = this;
    this.state.enter('Cleanup');
    this.state.compensations.add('Restore the legacy Secrets', () => withSummary(compensation.restoreLegacySecrets, `Undo: restore the legacy Secrets of ${namespace}`, [namespace]));
    await step(activities.deleteLegacySecrets, `Delete the legacy Secrets of ${namespace}`, [namespace]);
  }

  /** 5. Finalize: past this point there is nothing to roll back to. */
  private async finalize(): Promise<MigrationResult> {
    const { namespace } = this;
    this.state.enter('Finalize');
    await CancellationScope.nonCancellable(async () => {
      await step(activities.deleteMigrationSnapshot, `Finalize: delete the snapshot of ${namespace}`, [namespace]);
      await step(activities.releaseNamespaceFromMigration, `Finalize: hand ${namespace} back to the provisioner`, [namespace, this.migrationId]);
    });
    this.state.finished = 'completed';
    this.state.progress.state = 'Completed';
    this.state.enter('Done');
    await this.state.milestone('Normal', 'MigrationCompleted', 'The namespace is in waypoint mode; the snapshot is deleted and the provisioner takes over');
    return { outcome: 'completed' };
  }

  /** Rollback: the recorded compensations, newest first, return the namespace to its snapshot. */
  private async rollBack(reason: string): Promise<void> {
    const { progress } = this.state;
    progress.state = 'RollingBack';
    progress.reason = reason;
    progress.awaiting = undefined;
    this.state.gates.awaiting = undefined;
    for (const w of progress.workloads) if (w.state !== 'pending') w.state = 'restored';
    this.state.publish();
    await this.state.milestone('Warning', 'MigrationRollingBack', `Rolling back: ${reason}`);
    await this.state.compensations.unwind();
    this.state.finished = 'rolled back';
    progress.state = 'RolledBack';
    this.state.enter('Done');
    await this.state.milestone('Normal', 'MigrationRolledBack', 'The namespace is back as its snapshot had it');
  }
}
