import {
  ActivityCancellationType,
  ActivityFailure,
  ActivityOptions,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { activities, CALL_OPTIONS, KEYCLOAK_OPTIONS, reporting, REPORTING_OPTIONS, waitOptions, withSummary } from '../activity-proxies';
import { MigrationPhase, MigrationState, ProvisionerNamespace } from '../search-attributes';
import type { KeycloakSettings } from '../types';
import { Compensations } from './compensations';
import { Gates } from './gates';
import { approveSignal, approveUpdate, progressQuery, rollbackSignal, rollbackUpdate } from './messages';
import { DEFAULT_STRATEGY, gatesOf, planWaves, strategyProblem, Wave } from './plan';
import type { ApproveInput, MigrationInput, MigrationPhaseName, MigrationProgress, MigrationResult, RollbackInput, SnapshotWorkload, WorkloadName } from './types';

/** Compensations retry a few times per round; the round itself repeats until it succeeds. */
const compensation = proxyActivities<Activities>({ ...CALL_OPTIONS, retry: { ...CALL_OPTIONS.retry, maximumAttempts: 5 } });

/**
 * Forward steps: a rollback waits until a cancelled step has really stopped, so no step can land
 * after the compensation that undoes it.
 */
const STEP: ActivityOptions = { ...CALL_OPTIONS, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };

function step<A extends unknown[], R>(
  fn: { executeWithOptions(options: ActivityOptions, args: A): Promise<R> },
  summary: string,
  args: A,
  options: ActivityOptions = CALL_OPTIONS,
): Promise<R> {
  return withSummary(fn, summary, args, { ...options, cancellationType: STEP.cancellationType });
}

/** Milestones are recorded as Kubernetes Events on the namespace (histories recorded before had none). */
const MIGRATION_EVENTS = 'migration-events';

/** A forward step that cannot go on: the migration rolls back with this reason. */
class MigrationStepFailed extends Error {}

const label = (w: { kind: string; name: string }) => `${w.kind} ${w.name}`;

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return (error as Error).message;
}

/**
 * Moves one namespace from sidecar mode to waypoint mode, the way the reference runbook does by
 * hand, with an approval gate after each phase and wave: preflight, snapshot, prepare (ambient
 * labels, waypoint Gateway, readiness), the waves (switch, register, restart, roll out, validate),
 * clean-up. A rollback (asked for, a cancellation, or a failed step) runs the recorded
 * compensations newest first and returns the namespace to its snapshot.
 */
export async function migrationWorkflow(input: MigrationInput): Promise<MigrationResult> {
  const { namespace } = input;
  const strategy = input.strategy ?? DEFAULT_STRATEGY;
  const requireApproval = input.requireApproval ?? true;
  const rolloutTimeout = input.rolloutTimeoutSeconds ?? 300;
  const waypointTimeout = input.waypointReadyTimeoutSeconds ?? 60;
  const migrationId = workflowInfo().workflowId;

  const progress: MigrationProgress = { namespace, state: 'Running', phase: 'Preflight', workloads: [], gates: [], approvals: [], preflight: [], compensations: [] };
  const gates = new Gates(gatesOf(0));
  const compensations = new Compensations(() => publish());
  progress.approvals = gates.approvals;
  progress.compensations = compensations.records;
  let rollbackRequest: RollbackInput | undefined;
  let finished: string | undefined;

  function publish(): void {
    progress.gates = gates.gates;
    upsertSearchAttributes([
      { key: ProvisionerNamespace, value: namespace },
      { key: MigrationPhase, value: progress.phase },
      { key: MigrationState, value: progress.state },
    ]);
    // Markdown, as the Temporal UI renders it: one list item per fact.
    const items = [
      ...(progress.awaiting ? [`awaiting approval of **${progress.awaiting.gate}**${progress.awaiting.deadline ? ` until ${progress.awaiting.deadline}` : ''}`] : []),
      ...progress.workloads.map((w) => `${label(w)} (wave ${w.wave}): ${w.state}${w.detail ? `: ${w.detail}` : ''}`),
      ...progress.compensations.filter((c) => c.state !== 'recorded').map((c) => `undo: ${c.step}: ${c.state}${c.lastError ? ` (${c.lastError})` : ''}`),
      ...(progress.reason ? [`reason: ${progress.reason}`] : []),
    ];
    const title = `**${namespace}**: ${progress.state}, phase ${progress.phase}${progress.wave ? ` (wave ${progress.wave.index} of ${progress.wave.total})` : ''}`;
    setCurrentDetails([title, '', ...items.map((item) => `- ${item}`)].join('\n'));
  }
  const enter = (phase: MigrationPhaseName) => {
    progress.phase = phase;
    publish();
  };
  let events = 0;
  /** A milestone, where `kubectl get events` shows it; a few tries, and the migration goes on without it. */
  async function milestone(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    if (!patched(MIGRATION_EVENTS)) return;
    const info = workflowInfo();
    const event = { namespace, involved: { kind: 'Namespace' as const, name: namespace }, type, reason, message, key: `${info.workflowId}/${info.runId}/event/${events++}` };
    await CancellationScope.nonCancellable(() => withSummary(reporting.recordEvents, `Record Event ${reason} in ${namespace}`, [[event]], REPORTING_OPTIONS)).catch(() =>
      log.warn('A migration Event could not be recorded', { reason }),
    );
  }
  const setWorkloads = (wave: Wave, state: MigrationProgress['workloads'][number]['state'], detail?: string) => {
    for (const w of progress.workloads) {
      if (wave.workloads.some((x) => x.kind === w.kind && x.name === w.name)) Object.assign(w, { state, detail });
    }
    publish();
  };

  const refusalOfRollback = () =>
    finished ? `the migration is ${finished}` : rollbackRequest ? 'a rollback is already under way' : progress.phase === 'Finalize' ? 'the migration is being finalized' : undefined;
  const approve = (approval: ApproveInput | undefined, via: 'update' | 'signal') => {
    const record = gates.approve(approval ?? {}, new Date().toISOString(), via);
    log.info('Gate approved', { gate: record.gate, by: record.by, via });
    return record;
  };
  const requestRollback = (request: RollbackInput | undefined) => {
    rollbackRequest = { reason: request?.reason || 'rollback requested', by: request?.by };
    return { accepted: true as const, reason: rollbackRequest.reason! };
  };
  setHandler(approveUpdate, (approval?: ApproveInput) => approve(approval, 'update'), {
    validator: (approval?: ApproveInput) => {
      const refusal = gates.refusal(approval ?? {}, finished);
      if (refusal) throw new Error(refusal);
    },
  });
  setHandler(approveSignal, (approval) => {
    const refusal = gates.refusal(approval ?? {}, finished);
    if (refusal) log.warn('Approval signal refused', { gate: approval?.gate, refusal });
    else approve(approval, 'signal');
  });
  setHandler(rollbackUpdate, (request?: RollbackInput) => requestRollback(request), {
    validator: (_request?: RollbackInput) => {
      const refusal = refusalOfRollback();
      if (refusal) throw new Error(`rollback refused: ${refusal}`);
    },
  });
  setHandler(rollbackSignal, (request) => {
    const refusal = refusalOfRollback();
    if (refusal) log.warn('Rollback signal refused', { refusal });
    else requestRollback(request);
  });
  setHandler(progressQuery, () => progress);

  /** Waits at a gate for its approval (unless approvals are off), honouring the approval deadline. */
  async function gate(name: string): Promise<void> {
    if (!requireApproval) return;
    gates.awaiting = name;
    const deadline = input.approvalTimeout;
    const deadlineMs = deadline ? approvalTimeoutMs(deadline) : undefined;
    progress.state = 'AwaitingApproval';
    progress.awaiting = { gate: name, since: new Date().toISOString(), deadline: deadlineMs ? new Date(Date.now() + deadlineMs).toISOString() : undefined };
    publish();
    const approved = () => gates.isApproved(name);
    if (deadlineMs && !(await condition(approved, deadlineMs))) {
      if (input.onApprovalTimeout === 'rollback') throw new MigrationStepFailed(`gate '${name}' was not approved within ${deadline}`);
      progress.state = 'Paused';
      progress.awaiting.deadline = undefined;
      progress.reason = `gate '${name}' was not approved within ${deadline}: paused until it is`;
      publish();
    }
    await condition(approved);
    gates.awaiting = undefined;
    progress.awaiting = undefined;
    progress.state = 'Running';
    progress.reason = undefined;
    publish();
  }

  // 0. Preflight: every prerequisite checked, nothing changed.
  publish();
  const preflight = await step(activities.migrationPreflight, `Check the prerequisites of migrating ${namespace}`, [namespace, migrationId], KEYCLOAK_OPTIONS);
  const problem = strategyProblem(strategy, preflight.workloads);
  const timeoutProblem = input.approvalTimeout !== undefined && approvalTimeoutMs(input.approvalTimeout) === undefined;
  progress.preflight = [
    ...preflight.checks,
    { name: 'strategy', ok: !problem, message: problem ?? `${strategy.kind} fits the ${preflight.workloads.length} workload(s)` },
    ...(timeoutProblem ? [{ name: 'approval-timeout', ok: false, message: `'${input.approvalTimeout}' is not a duration such as 90s, 15m, 4h or 2d` }] : []),
  ];
  const failed = progress.preflight.filter((c) => !c.ok);
  if (failed.length > 0) {
    finished = 'failed';
    progress.state = 'Failed';
    progress.reason = `preflight failed: ${failed.map((c) => `${c.name}: ${c.message}`).join('; ')}`;
    publish();
    await milestone('Warning', 'MigrationPreflightFailed', progress.reason);
    return { outcome: 'preflight-failed', reason: progress.reason };
  }
  const keycloak: KeycloakSettings = preflight.config.keycloak!;
  // The plan as preflight sees it, so the first approval already shows the waves; the snapshot fixes it.
  showPlan(planWaves(strategy, preflight.workloads));

  function showPlan(waves: Wave<WorkloadName>[]): void {
    gates.gates = gatesOf(waves.length);
    progress.workloads = waves.flatMap((wave) => wave.workloads.map((w) => ({ kind: w.kind, name: w.name, wave: wave.index, state: 'pending' as const })));
    publish();
  }

  async function forward(): Promise<void> {
    await gate('preflight');

    // 1. Snapshot: hold the namespace (the provisioner stands aside), then save what a rollback restores.
    enter('Snapshot');
    compensations.add(`Hand ${namespace} back to the provisioner`, () =>
      withSummary(compensation.releaseNamespaceFromMigration, `Undo: hand ${namespace} back to the provisioner`, [namespace, migrationId]),
    );
    await step(activities.holdNamespaceForMigration, `Hold ${namespace} for its migration`, [namespace, migrationId]);
    compensations.add('Delete the snapshot', () => withSummary(compensation.deleteMigrationSnapshot, `Undo: delete the snapshot of ${namespace}`, [namespace]));
    const snapshot = await step(
      activities.takeMigrationSnapshot,
      `Snapshot ${namespace}: labels, pod templates, legacy Secrets`,
      [{ namespace, keycloak, legacySecretSelector: input.legacySecretSelector }],
      KEYCLOAK_OPTIONS,
    );
    progress.snapshot = snapshot;
    const waves = planWaves(strategy, snapshot.workloads);
    showPlan(waves);
    await milestone('Normal', 'MigrationStarted', `Migration ${migrationId} holds the namespace; snapshot ${snapshot.secretName}; ${waves.length} wave(s)`);
    await gate('snapshot');

    // 2. Prepare: ambient labels, the waypoint Gateway, and its readiness.
    enter('Prepare');
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
    await gate('prepare');

    // 3. The waves.
    for (const wave of waves) {
      enter('Wave');
      progress.wave = { index: wave.index, total: waves.length };
      await migrateWave(wave, wave.index === 1);
      await milestone('Normal', 'MigrationWaveCompleted', `Wave ${wave.index} of ${waves.length} in waypoint mode and validated: ${wave.workloads.map(label).join(', ')}`);
      await gate(`wave-${wave.index}`);
    }

    // 4. Clean-up: the legacy Secrets go (the snapshot keeps them until the migration is finalized).
    enter('Cleanup');
    compensations.add('Restore the legacy Secrets', () => withSummary(compensation.restoreLegacySecrets, `Undo: restore the legacy Secrets of ${namespace}`, [namespace]));
    await step(activities.deleteLegacySecrets, `Delete the legacy Secrets of ${namespace}`, [namespace]);
    await gate('cleanup');
  }

  async function migrateWave(wave: Wave, first: boolean): Promise<void> {
    if (first) {
      compensations.add('Restore istio-injection on the namespace', () =>
        withSummary(compensation.restoreNamespaceLabels, `Undo: restore the labels of ${namespace}`, [namespace]),
      );
      await step(activities.removeIstioInjection, `Turn off sidecar injection in ${namespace}`, [namespace]);
    }
    setWorkloads(wave, 'switching');
    await Promise.all(wave.workloads.map((w) => register(w)));
    // One stamp per wave, fixed in history: a retried switch writes the same template and restarts nothing twice.
    const restartedAt = new Date().toISOString();
    for (const w of wave.workloads) {
      compensations.add(`Restore the pod template of ${label(w)}`, () =>
        withSummary(compensation.restoreWorkloadTemplate, `Undo: restore the pod template of ${label(w)}`, [namespace, { kind: w.kind, name: w.name }]),
      );
    }
    await Promise.all(
      wave.workloads.map((w) =>
        step(activities.switchWorkloadToWaypoint, `Switch ${label(w)} to waypoint mode and restart it`, [namespace, { workload: { kind: w.kind, name: w.name }, restartedAt }]),
      ),
    );
    setWorkloads(wave, 'rolling-out');
    const names = wave.workloads.map((w) => ({ kind: w.kind, name: w.name }));
    const rollout = await step(activities.waitForRollout, `Wait up to ${rolloutTimeout} s for wave ${wave.index} to roll out`, [namespace, names, rolloutTimeout], waitOptions(rolloutTimeout));
    if (!rollout.done) {
      setWorkloads(wave, 'failed', 'rollout timed out');
      throw new MigrationStepFailed(`wave ${wave.index} did not roll out within ${rolloutTimeout} s: ${rollout.pending.map((p) => `${p.workload}: ${p.detail}`).join('; ')}`);
    }
    setWorkloads(wave, 'validating');
    const results = await Promise.all(
      wave.workloads.map((w) => step(activities.validateMigratedWorkload, `Validate ${label(w)}: one container, credentials, token`, [namespace, { kind: w.kind, name: w.name }, keycloak])),
    );
    for (const result of results) {
      const entry = progress.workloads.find((w) => label(w) === result.workload)!;
      Object.assign(entry, result.ok ? { state: 'migrated', detail: undefined } : { state: 'failed', detail: result.failures.join('; ') });
    }
    publish();
    const invalid = results.filter((r) => !r.ok);
    if (invalid.length > 0) throw new MigrationStepFailed(`validation of wave ${wave.index} failed: ${invalid.map((r) => `${r.workload}: ${r.failures.join('; ')}`).join(' | ')}`);
  }

  async function register(w: SnapshotWorkload): Promise<void> {
    compensations.add(`Remove the Keycloak client and credentials Secret of ${label(w)}`, () =>
      withSummary(compensation.removeMigratedRegistration, `Undo: remove the Keycloak client and credentials Secret of ${label(w)}`, [namespace, w, keycloak], KEYCLOAK_OPTIONS),
    );
    const client = await step(activities.ensureKeycloakClient, `Ensure Keycloak client for ${label(w)}`, [{ namespace, workload: w, keycloak }], KEYCLOAK_OPTIONS);
    await step(activities.ensureClientCredentialsSecret, `Ensure credentials Secret for ${label(w)}`, [{ namespace, workload: w, keycloak, clientId: client.clientId }], KEYCLOAK_OPTIONS);
  }

  // Run the forward phases until they finish, a step fails, a rollback is asked for, or the workflow is cancelled.
  const forwardScope = new CancellationScope();
  let rollbackReason: string | undefined;
  let cancellation: unknown;
  // Not awaited: it only cancels the forward scope; its own cancellation (the workflow's) is expected.
  condition(() => rollbackRequest !== undefined).then(
    () => forwardScope.cancel(),
    () => undefined,
  );
  try {
    await forwardScope.run(forward);
  } catch (error) {
    if (rollbackRequest) rollbackReason = `${rollbackRequest.reason}${rollbackRequest.by ? ` (by ${rollbackRequest.by})` : ''}`;
    else if (isCancellation(error)) {
      cancellation = error;
      rollbackReason = 'the workflow was cancelled';
    } else if (error instanceof MigrationStepFailed || error instanceof ActivityFailure) rollbackReason = failureMessage(error);
    else throw error;
  }

  if (rollbackReason === undefined) {
    // Finalize: past this point there is nothing to roll back to.
    enter('Finalize');
    await CancellationScope.nonCancellable(async () => {
      await step(activities.deleteMigrationSnapshot, `Finalize: delete the snapshot of ${namespace}`, [namespace]);
      await step(activities.releaseNamespaceFromMigration, `Finalize: hand ${namespace} back to the provisioner`, [namespace, migrationId]);
    });
    finished = 'completed';
    progress.state = 'Completed';
    enter('Done');
    await milestone('Normal', 'MigrationCompleted', 'The namespace is in waypoint mode; the snapshot is deleted and the provisioner takes over');
    return { outcome: 'completed' };
  }

  progress.state = 'RollingBack';
  progress.reason = rollbackReason;
  progress.awaiting = undefined;
  gates.awaiting = undefined;
  for (const w of progress.workloads) if (w.state !== 'pending') w.state = 'restored';
  publish();
  await milestone('Warning', 'MigrationRollingBack', `Rolling back: ${rollbackReason}`);
  await compensations.unwind();
  finished = 'rolled back';
  progress.state = 'RolledBack';
  enter('Done');
  await milestone('Normal', 'MigrationRolledBack', 'The namespace is back as its snapshot had it');
  // A cancelled migration ends as cancelled, once it has rolled back.
  if (cancellation) throw cancellation;
  return { outcome: 'rolled-back', reason: rollbackReason };
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of an approval timeout such as "90s", "15m", "4h" or "2d"; undefined when it is not one. */
export function approvalTimeoutMs(duration: string): number | undefined {
  const match = /^(\d+)(s|m|h|d)$/.exec(duration.trim());
  return match && Number(match[1]) > 0 ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}
