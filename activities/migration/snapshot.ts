import type { V1OwnerReference, V1PodTemplateSpec, V1Secret } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { SnapshotSummary, SnapshotWorkload } from '../../model/migration';
import type { KeycloakSettings } from '../../model/provisioning';
import { isConflict, isNotFound } from '../../model/errors';
import { metadataOnlyList } from '../kubernetes/clients';
import { listManagedClients } from '../keycloak/clients';
import { RegistrationDeps, withAdmin } from '../registration/admin-session';
import { hasAgentTemplate, MANAGED_BY, MANAGED_BY_LABEL } from '../../model/labels';
import { waypointGatewayName } from '../../model/names';
import { LEGACY_SECRET_SELECTOR, MIGRATION_ANNOTATION } from '../../model/labels';
import { ADMIN_SECRET, snapshotSecretName } from '../../model/names';

/** A Secret as saved for rollback: enough to recreate it exactly. */
export interface SavedSecret {
  name: string;
  type?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: V1OwnerReference[];
  data?: Record<string, string>;
}

export interface SavedWorkload extends SnapshotWorkload {
  template: V1PodTemplateSpec;
}

/**
 * The state of a namespace before its migration touched it. It lives in a Secret in the operator
 * namespace, so it outlives the workflow and its history and keeps Secret data out of both.
 */
export interface Snapshot {
  namespace: string;
  takenAt: string;
  namespaceLabels: Record<string, string>;
  namespaceAnnotations: Record<string, string>;
  workloads: SavedWorkload[];
  /** Names of every Secret in the namespace: a rollback deletes only Secrets the migration added. */
  secretNames: string[];
  legacySecrets: SavedSecret[];
  gatewayExisted: boolean;
  /** Keycloak clients of this provisioner that existed already: a rollback keeps them. */
  keycloakClientIds: string[];
}

const SNAPSHOT_KEY = 'snapshot.json';
const NAMESPACE_LABEL = 'kagenti.io/migration-namespace';
/** A Secret holds at most 1 MiB; keep a margin for metadata. */
const MAX_SNAPSHOT_BYTES = 900 * 1024;

export function summaryOf(snapshot: Snapshot): SnapshotSummary {
  return {
    secretName: snapshotSecretName(snapshot.namespace),
    takenAt: snapshot.takenAt,
    workloads: snapshot.workloads.map(({ kind, name, uid, serviceAccountName }) => ({ kind, name, uid, serviceAccountName })),
    legacySecrets: snapshot.legacySecrets.map((s) => s.name),
    gatewayExisted: snapshot.gatewayExisted,
  };
}

function withoutKey(record: Record<string, string> | undefined, key: string): Record<string, string> {
  const copy = { ...(record ?? {}) };
  delete copy[key];
  return copy;
}

async function gatewayExists(deps: RegistrationDeps, namespace: string): Promise<boolean> {
  try {
    await deps.k8s.custom.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', name: waypointGatewayName(namespace) });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function readLiveState(deps: RegistrationDeps, namespace: string, keycloak: KeycloakSettings, legacySecretSelector: string): Promise<Snapshot> {
  const { core, apps } = deps.k8s;
  const [ns, deployments, statefulSets, secrets, legacy, admin, gatewayExisted] = await Promise.all([
    core.readNamespace({ name: namespace }),
    apps.listNamespacedDeployment({ namespace }),
    apps.listNamespacedStatefulSet({ namespace }),
    // Every Secret's name (a rollback deletes only those the migration added), never their data.
    core.listNamespacedSecret({ namespace }, metadataOnlyList()),
    core.listNamespacedSecret({ namespace, labelSelector: legacySecretSelector }),
    core.listNamespacedSecret({ namespace, fieldSelector: `metadata.name=${ADMIN_SECRET}` }),
    gatewayExists(deps, namespace),
  ]);
  const workloads: SavedWorkload[] = [
    ...deployments.items.filter(hasAgentTemplate).map((d) => ({ kind: 'Deployment' as const, object: d })),
    ...statefulSets.items.filter(hasAgentTemplate).map((s) => ({ kind: 'StatefulSet' as const, object: s })),
  ]
    .map(({ kind, object }) => ({
      kind,
      name: object.metadata!.name!,
      uid: object.metadata!.uid!,
      serviceAccountName: object.spec!.template.spec?.serviceAccountName ?? '',
      template: object.spec!.template,
    }))
    .sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
  const legacySecrets = [...legacy.items, ...admin.items]
    .filter((s, i, all) => all.findIndex((o) => o.metadata?.name === s.metadata?.name) === i)
    .map((s) => ({
      name: s.metadata!.name!,
      type: s.type,
      labels: s.metadata?.labels,
      annotations: s.metadata?.annotations,
      ownerReferences: s.metadata?.ownerReferences,
      data: s.data,
    }));
  const keycloakClientIds = await withAdmin(deps, keycloak, async (admin) => (await listManagedClients(admin, namespace)).map((c) => c.clientId!));
  return {
    namespace,
    takenAt: new Date().toISOString(),
    namespaceLabels: ns.metadata?.labels ?? {},
    namespaceAnnotations: withoutKey(ns.metadata?.annotations, MIGRATION_ANNOTATION),
    workloads,
    secretNames: secrets.items.map((s) => s.metadata!.name!).sort(),
    legacySecrets: legacySecrets.sort((a, b) => a.name.localeCompare(b.name)),
    gatewayExisted,
    keycloakClientIds: keycloakClientIds.sort(),
  };
}

/** The namespace's snapshot, or undefined when none exists. */
export async function readSnapshot(deps: RegistrationDeps, namespace: string): Promise<Snapshot | undefined> {
  try {
    const secret = await deps.k8s.core.readNamespacedSecret({ namespace: deps.settings.operatorNamespace, name: snapshotSecretName(namespace) });
    return JSON.parse(Buffer.from(secret.data?.[SNAPSHOT_KEY] ?? '', 'base64').toString('utf8')) as Snapshot;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The snapshot a rollback step restores from; its absence is a failure a retry cannot fix. */
export async function requireSnapshot(deps: RegistrationDeps, namespace: string): Promise<Snapshot> {
  const snapshot = await readSnapshot(deps, namespace);
  if (!snapshot) {
    throw ApplicationFailure.nonRetryable(
      `The migration snapshot ${deps.settings.operatorNamespace}/${snapshotSecretName(namespace)} is missing: nothing to restore from`,
      'SnapshotMissing',
    );
  }
  return snapshot;
}

/**
 * Saves the namespace's state once. An existing snapshot is kept and returned: it was taken before
 * an earlier attempt of this migration changed anything, so it is the state to return to.
 */
export async function takeSnapshot(
  deps: RegistrationDeps,
  input: { namespace: string; keycloak: KeycloakSettings; legacySecretSelector?: string },
): Promise<SnapshotSummary & { reused: boolean }> {
  const existing = await readSnapshot(deps, input.namespace);
  if (existing) return { ...summaryOf(existing), reused: true };
  const snapshot = await readLiveState(deps, input.namespace, input.keycloak, input.legacySecretSelector ?? LEGACY_SECRET_SELECTOR);
  const json = JSON.stringify(snapshot);
  if (Buffer.byteLength(json) > MAX_SNAPSHOT_BYTES) {
    throw ApplicationFailure.nonRetryable(`The snapshot of ${input.namespace} would take ${Buffer.byteLength(json)} bytes, more than a Secret can hold`, 'SnapshotTooLarge');
  }
  const body: V1Secret = {
    metadata: {
      name: snapshotSecretName(input.namespace),
      namespace: deps.settings.operatorNamespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [NAMESPACE_LABEL]: input.namespace },
    },
    type: 'Opaque',
    data: { [SNAPSHOT_KEY]: Buffer.from(json).toString('base64') },
  };
  try {
    await deps.k8s.core.createNamespacedSecret({ namespace: deps.settings.operatorNamespace, body });
  } catch (error) {
    // Another attempt of this activity got there first: its snapshot is the one to keep.
    if (!isConflict(error)) throw error;
    return { ...summaryOf((await readSnapshot(deps, input.namespace))!), reused: true };
  }
  return { ...summaryOf(snapshot), reused: false };
}

/** Deletes the snapshot once the migration is finalized or rolled back. */
export async function deleteSnapshot(deps: RegistrationDeps, namespace: string): Promise<void> {
  try {
    await deps.k8s.core.deleteNamespacedSecret({ namespace: deps.settings.operatorNamespace, name: snapshotSecretName(namespace) });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
