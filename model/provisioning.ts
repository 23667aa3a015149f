// Plain-JSON values passed between workflows and activities. No secret value ever appears here.
import type { WaypointState, WaypointVerdict } from './waypoint-gateway';

export type WorkloadKind = 'Deployment' | 'StatefulSet';
export type WorkloadType = 'agent' | 'tool';

/** An agent or tool workload (a Deployment or StatefulSet whose pod template has kagenti.io/type). */
export interface AgentWorkload {
  kind: WorkloadKind;
  name: string;
  uid: string;
  type: WorkloadType;
  serviceAccountName: string;
  /** kagenti.io/client-registration-inject: "true": the legacy in-pod registration sidecar keeps doing it. */
  legacyRegistration: boolean;
  /** Current value of the pod-template annotation kagenti.io/keycloak-client-credentials-secret-name. */
  credentialsSecretAnnotation?: string;
}

/** What registering a workload's Keycloak client needs to know of it. */
export type WorkloadRef = Pick<AgentWorkload, 'kind' | 'name' | 'uid' | 'serviceAccountName'>;

/** What a provisioning pass reads of a namespace at its start (not the migration's rollback snapshot). */
export interface NamespaceInspection {
  exists: boolean;
  /** The namespace has a deletionTimestamp. */
  terminating: boolean;
  /** Namespace label kagenti.io/type=agent: opted in before any agent arrives. */
  optedIn: boolean;
  /** The three ambient labels are on the namespace as they should be. */
  ambientLabelsSet: boolean;
  /** The pass that set them, from the namespace's mark (CHANGED_BY_PASS_ANNOTATION). */
  ambientLabelsSetBy?: string;
  /** Pods labelled kagenti.io/type agent or tool, by type; counted only when there is no agent workload (0 otherwise). */
  agentPods: number;
  toolPods: number;
  workloads: AgentWorkload[];
  /** Namespace label istio-injection=enabled: sidecar mode, left to a migration. */
  sidecarMode: boolean;
  /** The id of the migration that holds the namespace, from its annotation  when one does. */
  heldByMigration?: string;
  /** The namespace carries the status annotation: a pass finished on this namespace object before. */
  provisionedBefore: boolean;
  /** The status annotation as read (undefined: none). */
  statusAnnotation?: string;
  /** The name of its waypoint Gateway (`<namespace>-waypoint`, hashed past the label length limit). */
  waypointGateway: string;
}

/** Non-secret Keycloak settings from kagenti-operator-config or authbridge-config (spec §4). */
export interface KeycloakSettings {
  source: 'operator' | 'namespace';
  url: string;
  realm: string;
  spireEnabled: boolean;
  clientAuthType: string;
  spiffeIdpAlias: string;
  tokenExchangeEnabled: boolean;
  platformClientIds: string[];
  audienceScopeEnabled: boolean;
  /** Audience scopes are realm default scopes too, as the reference places them (spec §5). */
  audienceScopeRealmDefault: boolean;
}

/** Everything a pass needs to decide, resolved by one activity from flags, ConfigMaps and Secrets. */
export interface ProvisioningConfig {
  waypointProvisioning: boolean;
  clientRegistration: boolean;
  injectTools: boolean;
  removeWhenEmpty: boolean;
  spireTrustDomain: string;
  waypointReadyTimeoutSeconds: number;
  retryIntervalSeconds: number;
  /** Undefined when neither ConfigMap has both KEYCLOAK_URL and KEYCLOAK_REALM, or when they cannot be used. */
  keycloak?: KeycloakSettings;
  /** Why the Keycloak settings found cannot be used: a KEYCLOAK_URL that is not a URL, or a namespace's realm the operator did not approve. */
  keycloakProblem?: { reason: 'KeycloakUrlInvalid' | 'KeycloakRealmNotApproved'; message: string };
  /** The admin Secret exists in the operator namespace with a service-account client or (legacy) an admin's username and password. */
  adminSecretReady: boolean;
  /** A keycloak-admin-secret exists in this (agent) namespace: warned about, never used. */
  adminSecretInWorkloadNamespace: boolean;
  /** Keys of this namespace's authbridge-config that only the operator's ConfigMap may set (they reach the whole realm): warned about, ignored. */
  operatorOnlyKeysIgnored?: string[];
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export interface EnsureResult {
  outcome: EnsureOutcome;
}

/** What a delete step did: NotFound counts as done, reported as unchanged. */
export interface DeleteResult {
  outcome: 'deleted' | 'unchanged';
}

/** A workload's Keycloak client, created or repaired, and its audience scope. */
export interface KeycloakClientResult {
  clientId: string;
  outcome: EnsureOutcome;
  drift: string[];
  audienceScope?: EnsureOutcome;
  missingPlatformClients: string[];
}

/** One workload registered: its client, its credentials Secret, and the pod-template annotation naming it. */
export interface WorkloadRegistration extends KeycloakClientResult {
  secretName: string;
  secret: EnsureOutcome;
  annotation: EnsureOutcome;
}

/**
 * A Gateway created, repaired, adopted (someone else's waypoint, as wanted, made the provisioner's)
 * or found as wanted, with istiod's verdict on it as it stands; or why none could be.
 */
export type GatewayEnsureResult =
  | { outcome: EnsureOutcome | 'adopted'; readiness: GatewayReadiness }
  | { outcome: 'waiting'; reason: 'GatewayApiMissing' | 'GatewayClassMissing' | 'WaypointNameTaken'; message: string };

/**
 * istiod's verdict on the waypoint (waypointVerdict in waypoint-gateway.ts), or why the Gateway
 * could not be read, or WaypointNameTaken when someone else's Service or Deployment holds its name.
 */
export type GatewayReadiness = WaypointVerdict;

/**
 * Why a namespace is told to look again. `change`: the watcher saw something change (a new agent,
 * drift): new work, served first. `waypoint`: istiod's verdict on the namespace's waypoint changed;
 * new work too, but a pass only if the verdict is news to the workflow (a pass waiting for its
 * waypoint takes it as its cue to look again). `takeover`: a watcher that just
 * started found the namespace not settled. `audit`: the Keycloak audit found its clients, scopes or
 * Secrets out of line. `upgrade`: a newer build of the worker became current; the workflow moves
 * onto it between passes, with no pass of its own. The last three are maintenance, which waits
 * behind new work for Keycloak; any other reason (a person's) is new work.
 */
export type WakeReason = 'change' | 'waypoint' | 'takeover' | 'audit' | 'upgrade';

/** What a namespace's workflow is told: why, and with a waypoint wake, istiod's verdict as the watcher saw it. */
export interface NamespaceWake {
  reason?: WakeReason;
  waypoint?: WaypointState;
}

/** New work (a change the watcher saw) goes before maintenance (a takeover, an audit's repair) wherever work waits. */
export type WorkPriority = 'new' | 'maintenance';

/**
 * Temporal's priority keys (1 first, 5 last, 3 by default) for new work and for maintenance. The
 * server's task matcher serves queued tasks by them, and the worker its waiting Keycloak work.
 */
export const PRIORITY_KEY: Record<WorkPriority, number> = { new: 2, maintenance: 4 };

/** Only the provisioner's own maintenance (a takeover, an audit's repair, an upgrade) is maintenance; any other wake (a change, a person) is new work. */
export function wakePriority(reason: WakeReason | undefined): WorkPriority {
  return reason === 'takeover' || reason === 'audit' || reason === 'upgrade' ? 'maintenance' : 'new';
}

/** Standby: the namespace is in sidecar mode or held by its migration, and the provisioner leaves it alone. */
export type ProvisionerPhaseValue = 'Waiting' | 'Provisioning' | 'Ready' | 'Idle' | 'Deleting' | 'Standby';

/** One workload's registration state, as shown by the status query. */
export interface WorkloadStatus {
  kind: WorkloadKind;
  name: string;
  clientId?: string;
  credentialsSecret?: string;
  /** waiting: Keycloak could not do it this pass (the namespace's waiting state says why). */
  state: 'registered' | 'skipped' | 'failed' | 'waiting';
  detail?: string;
  /**
   * waiting or failed: the key its unfinished registration marks on the client and Secret it
   * creates. The next try uses it again, so what an unfinished try made is still reported, once.
   */
  registrationKey?: string;
}

/** A waiting state or warning a pass found. */
export interface Notice {
  reason: string;
  message: string;
  /** The Warning Event series that reports it, from the pass it began in (see EventInput.series). */
  series?: string;
}

/** The result of one provisioning pass: what the workflow shows and decides on. */
export interface PassOutcome {
  phase: ProvisionerPhaseValue;
  waypointReady: boolean;
  agentCount: number;
  /** Why the namespace is waiting, when it is (config missing, Gateway not ready, ...). */
  waiting: Notice[];
  /** Problems that do not stop provisioning (an admin Secret in an agent namespace). */
  warnings: Notice[];
  workloads: WorkloadStatus[];
  /** Seconds until a pass should run again without any event (waiting states); undefined: only on events. */
  retryAfterSeconds?: number;
  /** The namespace needs nothing (no agent or tool, nothing owned left): the workflow may end. */
  done: boolean;
}

/** One Keycloak audit's findings: names and reasons only, never a secret value, and bounded in size. */
export interface KeycloakAudit {
  /** Each realm in force; `failed`: why it could not be read this time (the others are audited regardless). */
  realms: { url: string; realm: string; managedClients: number; credentialsSecrets: number; failed?: string }[];
  /** Namespaces whose Keycloak state differs from what their credentials Secrets say; at most a bounded number (the next audit finds the rest). */
  outOfLine: string[];
  /** How many namespaces were out of line in all. */
  outOfLineCount: number;
  /** Why, for the first few of them (the worker's log has every reason). */
  examples: { namespace: string; reasons: string[] }[];
  /** Why nothing was audited (no complete Keycloak config, no admin Secret). */
  skipped?: string;
}
