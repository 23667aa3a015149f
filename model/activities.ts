import type { EventInput } from './events';
import type {
  PreflightCheck,
  RolloutResult,
  SnapshotSummary,
  SnapshotWorkload,
  ValidationResult,
  WorkloadName,
} from './migration';
import type {
  DeleteResult,
  EnsureResult,
  GatewayEnsureResult,
  GatewayReadiness,
  KeycloakAudit,
  KeycloakClientResult,
  KeycloakSettings,
  NamespaceInspection,
  ProvisioningConfig,
  WakeReason,
  WorkloadRef,
  WorkloadRegistration,
} from './provisioning';
import type { WaypointState } from './waypoint-gateway';

// The activities as the workflows call them: the contract between the two sides. The worker's
// factories (activities/) implement it; the workflows proxy it and know nothing else of them.
// Every input and result is plain JSON with names and outcomes, never a secret value.

/** One pass's Kubernetes reads and writes. */
export interface KubernetesActivities {
  inspectNamespace(namespace: string): Promise<NamespaceInspection>;
  resolveProvisioningConfig(namespace: string): Promise<ProvisioningConfig>;
  /**
   * `seenUnset`: the pass's inspection found them not all set: patched without another read.
   * `passKey`: the pass, marked on the namespace with the labels (CHANGED_BY_PASS_ANNOTATION).
   */
  ensureNamespaceLabels(namespace: string, seenUnset?: boolean, passKey?: string): Promise<EnsureResult>;
  removeNamespaceLabels(namespace: string): Promise<EnsureResult>;
  /**
   * `expectNew`: no pass saw the Gateway before, so it is created without a look first. `passKey`:
   * the pass, marked on a Gateway it creates; the same pass finding it in place reports `created`.
   */
  ensureWaypointGateway(namespace: string, expectNew?: boolean, passKey?: string): Promise<GatewayEnsureResult & { drift?: string[] }>;
  deleteWaypointGateway(namespace: string): Promise<DeleteResult>;
  /**
   * One look at istiod's verdict (and, with `explain`, at what the scheduler says of the waypoint's
   * pods). `reported`: the verdict the watcher saw, which a ready waypoint is taken at.
   */
  lookAtWaypoint(namespace: string, explain?: boolean, reported?: WaypointState | null): Promise<GatewayReadiness>;
  /** Looks until Programmed, refused, or the bound: the migration's wait, which no watcher wakes. */
  waitForGatewayProgrammed(namespace: string, timeoutSeconds: number): Promise<GatewayReadiness>;
  recordNamespaceStatus(namespace: string, status: string, seen?: string | null): Promise<EnsureResult>;
  /** All Events of a pass in one activity; each is recorded once per key. */
  recordEvents(events: EventInput[]): Promise<void>;
}

/** Work that spans Keycloak and the cluster: registration, its clean-up, the audit. */
export interface KeycloakActivities {
  /** Client and audience scope, then the credentials Secret, then the pod-template annotation. */
  registerWorkload(input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings; newWorkload?: boolean; annotationSeen?: string | null; registrationKey?: string }): Promise<WorkloadRegistration>;
  ensureKeycloakClient(input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings }): Promise<KeycloakClientResult>;
  ensureClientCredentialsSecret(input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings; clientId: string }): Promise<{ secretName: string; outcome: EnsureResult['outcome'] }>;
  /** Deletes the namespace's managed clients (and their audience scopes) whose workload is not in `keep`. */
  deleteStaleKeycloakClients(input: { namespace: string; keep: string[]; keycloak: KeycloakSettings }): Promise<{ deleted: string[] }>;
  auditKeycloak(): Promise<KeycloakAudit>;
  /**
   * Tells each namespace's workflow to look again (starting it when it ended), as maintenance: all of
   * them, or none while the servers have no room for maintenance (new work queued, or Keycloak or the
   * task queue behind). Returns how many were told.
   */
  wakeNamespaces(input: { namespaces: string[]; reason: WakeReason }): Promise<{ woken: number }>;
}

/** The sidecar-to-waypoint migration's own steps and compensations. */
export interface MigrationActivities {
  migrationPreflight(namespace: string, migrationId: string): Promise<{ checks: PreflightCheck[]; config: ProvisioningConfig; workloads: WorkloadName[] }>;
  holdNamespaceForMigration(namespace: string, migrationId: string): Promise<EnsureResult>;
  releaseNamespaceFromMigration(namespace: string, migrationId: string): Promise<EnsureResult>;
  takeMigrationSnapshot(input: { namespace: string; keycloak: KeycloakSettings; legacySecretSelector?: string }): Promise<SnapshotSummary & { reused: boolean }>;
  deleteMigrationSnapshot(namespace: string): Promise<void>;
  removeIstioInjection(namespace: string): Promise<EnsureResult>;
  restoreNamespaceLabels(namespace: string): Promise<EnsureResult>;
  switchWorkloadToWaypoint(namespace: string, input: { workload: WorkloadName; restartedAt: string }): Promise<EnsureResult>;
  restoreWorkloadTemplate(namespace: string, workload: WorkloadName): Promise<EnsureResult | { outcome: 'gone' }>;
  waitForRollout(namespace: string, workloads: WorkloadName[], timeoutSeconds: number): Promise<RolloutResult>;
  validateMigratedWorkload(namespace: string, workload: WorkloadName, keycloak: KeycloakSettings): Promise<ValidationResult>;
  removeMigratedRegistration(namespace: string, workload: SnapshotWorkload, keycloak: KeycloakSettings): Promise<DeleteResult & { clientId: string }>;
  deleteLegacySecrets(namespace: string): Promise<{ deleted: string[] }>;
  restoreLegacySecrets(namespace: string): Promise<{ restored: string[] }>;
  removeMigrationGateway(namespace: string): Promise<DeleteResult>;
}

/** Everything the worker registers. */
/** A new build of the worker became current: what its upgrade reads. */
export interface UpgradeActivities {
  /** Namespaces whose workflow is still pinned to another build of the deployment (a page of them). */
  listNamespacesOnOtherBuilds(input: { deploymentName: string; buildId: string }): Promise<string[]>;
  /** Tells the task queue's Keycloak audit, if one runs, to move onto the current build now. */
  moveAuditToCurrentBuild(): Promise<void>;
}

export type Activities = KubernetesActivities & KeycloakActivities & MigrationActivities & UpgradeActivities;
