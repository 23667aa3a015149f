import type { V1Secret } from '@kubernetes/client-node';
import type { DeleteResult } from '../../model/provisioning';
import { isConflict, isNotFound } from '../../model/errors';
import type { KubeClients } from '../kubernetes/clients';
import type { SavedSecret, Snapshot } from './snapshot';

/** The clean-up: deletes the legacy Secrets the snapshot saved (a rollback recreates them from it). */
export async function deleteLegacySecrets(k8s: KubeClients, snapshot: Snapshot): Promise<{ deleted: string[] }> {
  const deleted: string[] = [];
  for (const { name } of snapshot.legacySecrets) {
    try {
      await k8s.core.deleteNamespacedSecret({ namespace: snapshot.namespace, name });
      deleted.push(name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return { deleted };
}

function bodyOf(namespace: string, saved: SavedSecret): V1Secret {
  return {
    metadata: { name: saved.name, namespace, labels: saved.labels, annotations: saved.annotations, ownerReferences: saved.ownerReferences },
    type: saved.type,
    data: saved.data,
  };
}

const sameData = (a: Record<string, string> = {}, b: Record<string, string> = {}) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

/** Recreates the legacy Secrets as the snapshot saved them; one whose content differs is replaced. */
export async function restoreLegacySecrets(k8s: KubeClients, snapshot: Snapshot): Promise<{ restored: string[] }> {
  const restored: string[] = [];
  const { namespace } = snapshot;
  for (const saved of snapshot.legacySecrets) {
    let live: V1Secret | undefined;
    try {
      live = await k8s.core.readNamespacedSecret({ namespace, name: saved.name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (live && live.type === saved.type && sameData(live.data, saved.data)) continue;
    if (live) await k8s.core.deleteNamespacedSecret({ namespace, name: saved.name });
    try {
      await k8s.core.createNamespacedSecret({ namespace, body: bodyOf(namespace, saved) });
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    restored.push(saved.name);
  }
  return { restored };
}

/** Deletes a Secret the migration added (a workload's credentials Secret) unless the snapshot had it. */
export async function deleteAddedSecret(k8s: KubeClients, snapshot: Snapshot, name: string): Promise<DeleteResult> {
  if (snapshot.secretNames.includes(name)) return { outcome: 'unchanged' };
  try {
    await k8s.core.deleteNamespacedSecret({ namespace: snapshot.namespace, name });
    return { outcome: 'deleted' };
  } catch (error) {
    if (isNotFound(error)) return { outcome: 'unchanged' };
    throw error;
  }
}
