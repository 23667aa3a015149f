// Plain-JSON values of the migration workflow and its activities. No secret value ever appears here:
// Secrets saved for rollback live in the snapshot Secret, and only their names travel.
import type { WorkloadKind } from './provisioning';

export interface WorkloadName {
  kind: WorkloadKind;
  name: string;
}

/** A workload as the snapshot found it: what registering its Keycloak client needs. */
export interface SnapshotWorkload extends WorkloadName {
  uid: string;
  serviceAccountName: string;
}

/** How workloads are switched: all in one wave, or one canary and then batches. */
export type MigrationStrategy = { kind: 'all-at-once' } | { kind: 'waves'; batchSize: number; canary?: string };

export interface MigrationInput {
  namespace: string;
  /** Default: waves with a batch size of 5 and the first workload (by kind and name) as the canary. */
  strategy?: MigrationStrategy;
  /** Wait for approval after each phase and wave (default true); false runs on. */
  requireApproval?: boolean;
  /** How long one approval may take, e.g. "4h"; unset waits for ever. */
  approvalTimeout?: string;
  /** What happens when the approval timeout passes (default pause: keep waiting, reported as Paused). */
  onApprovalTimeout?: 'pause' | 'rollback';
  /** Bound on each wave's rollout (default 300 s, as the reference runbook's `kubectl rollout status`). */
  rolloutTimeoutSeconds?: number;
  /** Bound on the waypoint Gateway becoming Programmed (default 60 s). */
  waypointReadyTimeoutSeconds?: number;
  /** Label selector of the legacy client-registration Secrets (see LEGACY_SECRET_SELECTOR). */
  legacySecretSelector?: string;
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  message: string;
}

/** What the snapshot holds, as the workflow may see it (names and facts, never Secret data). */
export interface SnapshotSummary {
  /** The Secret in the operator namespace that holds the snapshot. */
  secretName: string;
  takenAt: string;
  /** The agent and tool workloads to migrate, in kind and name order. */
  workloads: SnapshotWorkload[];
  /** Legacy Secrets saved in the snapshot, deleted by the clean-up and restored by a rollback. */
  legacySecrets: string[];
  gatewayExisted: boolean;
}

export interface RolloutResult {
  done: boolean;
  /** Workloads not rolled out when the wait ended, with what was missing. */
  pending: { workload: string; detail: string }[];
}

export interface ValidationResult {
  workload: string;
  ok: boolean;
  /** Everything that failed, so one look says all that is wrong. */
  failures: string[];
}

export type MigrationPhaseName = 'Preflight' | 'Snapshot' | 'Prepare' | 'Wave' | 'Cleanup' | 'Finalize' | 'Done';

export type MigrationStateValue = 'Running' | 'AwaitingApproval' | 'Paused' | 'RollingBack' | 'RolledBack' | 'Completed' | 'Failed';

export type WorkloadMigrationState = 'pending' | 'switching' | 'rolling-out' | 'validating' | 'migrated' | 'failed' | 'restored';

export interface CompensationRecord {
  /** What the compensation undoes, in words. */
  step: string;
  state: 'recorded' | 'running' | 'done' | 'retrying';
  attempts: number;
  lastError?: string;
}

export interface ApprovalRecord {
  gate: string;
  by?: string;
  comment?: string;
  at: string;
  via: 'update' | 'signal';
}

/** What the `progress` query answers. */
export interface MigrationProgress {
  namespace: string;
  state: MigrationStateValue;
  phase: MigrationPhaseName;
  /** 1-based index of the wave running or last run, and how many there are. */
  wave?: { index: number; total: number };
  workloads: { kind: WorkloadKind; name: string; wave: number; state: WorkloadMigrationState; detail?: string }[];
  /** The gate that awaits approval, when one does. */
  awaiting?: { gate: string; since: string; deadline?: string };
  gates: string[];
  approvals: ApprovalRecord[];
  preflight: PreflightCheck[];
  snapshot?: SnapshotSummary;
  compensations: CompensationRecord[];
  /** Why the migration rolled back or failed. */
  reason?: string;
}

export interface ApproveInput {
  /** The gate being approved; omitted: the gate that awaits approval now. */
  gate?: string;
  by?: string;
  comment?: string;
}

export interface RollbackInput {
  reason?: string;
  by?: string;
}

export interface MigrationResult {
  outcome: 'completed' | 'rolled-back' | 'preflight-failed';
  reason?: string;
}
