import type { V1Secret } from '@kubernetes/client-node';
import type { AgentWorkload, EnsureOutcome } from '../../model/provisioning';
import { isConflict } from '../../model/errors';
import { KubeClients, MERGE_PATCH, unlessMissing } from './clients';
import { CHANGED_BY_PASS_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL } from '../../model/labels';

type Owner = Pick<AgentWorkload, 'kind' | 'name' | 'uid'>;

function desiredSecret(namespace: string, name: string, owner: Owner, clientId: string, clientSecret: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      // Garbage-collected with its workload.
      ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: owner.uid }],
    },
    data: {
      'client-id.txt': Buffer.from(clientId).toString('base64'),
      'client-secret.txt': Buffer.from(clientSecret).toString('base64'),
    },
  };
}

function sameContent(live: V1Secret, desired: V1Secret): boolean {
  const ownerMatches = (live.metadata?.ownerReferences ?? []).some((r) => r.uid === desired.metadata!.ownerReferences![0].uid);
  return (
    live.type === desired.type &&
    live.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY &&
    ownerMatches &&
    Object.keys(live.data ?? {}).length === 2 &&
    Object.entries(desired.data!).every(([key, value]) => live.data?.[key] === value)
  );
}

/**
 * Writes the credentials Secret only when its content differs. The secret value never leaves this
 * call. `expectNew`: it most likely does not exist yet, so it is created without a look first.
 * `markKey` is marked on a Secret it creates; `foundMarked`: it was in place with that mark.
 */
export async function writeCredentialsSecret(
  k8s: KubeClients,
  namespace: string,
  name: string,
  owner: Owner,
  clientId: string,
  clientSecret: string,
  { expectNew = false, markKey }: { expectNew?: boolean; markKey?: string } = {},
): Promise<{ outcome: EnsureOutcome; foundMarked: boolean }> {
  const desired = desiredSecret(namespace, name, owner, clientId, clientSecret);
  // The creating registration's key, set once: a later repair patches only what the Secret must hold.
  const marked: V1Secret = markKey ? { ...desired, metadata: { ...desired.metadata, annotations: { ...desired.metadata?.annotations, [CHANGED_BY_PASS_ANNOTATION]: markKey } } } : desired;
  const read = () => unlessMissing(k8s.core.readNamespacedSecret({ namespace, name }));
  let live = expectNew ? undefined : await read();
  if (!live) {
    try {
      await k8s.core.createNamespacedSecret({ namespace, body: marked });
      return { outcome: 'created', foundMarked: false };
    } catch (createError) {
      if (!isConflict(createError)) throw createError;
      live = await read();
      if (!live) throw new Error(`Secret ${namespace}/${name} was deleted while it was being created; the next try makes it`, { cause: createError });
    }
  }
  // Created under this very key by a try whose result was lost (a crash): still reported as created.
  if (sameContent(live, desired)) {
    const foundMarked = markKey !== undefined && live.metadata?.annotations?.[CHANGED_BY_PASS_ANNOTATION] === markKey;
    return { outcome: foundMarked ? 'created' : 'unchanged', foundMarked };
  }
  if (live.type !== desired.type) {
    // The type of a Secret is immutable: recreate it.
    await k8s.core.deleteNamespacedSecret({ namespace, name });
    await k8s.core.createNamespacedSecret({ namespace, body: desired });
    return { outcome: 'updated', foundMarked: false };
  }
  await k8s.core.patchNamespacedSecret(
    { namespace, name, body: { metadata: desired.metadata, data: { ...Object.fromEntries(Object.keys(live.data ?? {}).map((k) => [k, null])), ...desired.data } } },
    MERGE_PATCH,
  );
  return { outcome: 'updated', foundMarked: false };
}

/** A credentials Secret as the audit compares it; `clientSecret` never leaves the activity that reads it. */
export interface CredentialsSecret {
  namespace: string;
  name: string;
  /** The workload that owns it (and is named in its client's attributes). */
  workload: string;
  clientId: string;
  clientSecret: string;
}

const decode = (value: string | undefined) => (value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8'));

/** Secrets per list request: a cluster of tens of thousands is read in pages, not one response. */
const PAGE = 500;

/** Every credentials Secret this provisioner wrote, cluster-wide, a page at a time. */
export async function listCredentialsSecrets(k8s: KubeClients): Promise<CredentialsSecret[]> {
  const secrets: CredentialsSecret[] = [];
  let _continue: string | undefined;
  do {
    const page = await k8s.core.listSecretForAllNamespaces({ labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`, limit: PAGE, _continue });
    for (const secret of page.items) {
      const owner = secret.metadata?.ownerReferences?.find((r) => r.kind === 'Deployment' || r.kind === 'StatefulSet');
      const clientId = decode(secret.data?.['client-id.txt']);
      if (!owner || !clientId || secret.metadata?.deletionTimestamp) continue;
      secrets.push({ namespace: secret.metadata!.namespace!, name: secret.metadata!.name!, workload: owner.name, clientId, clientSecret: decode(secret.data?.['client-secret.txt']) ?? '' });
    }
    _continue = page.metadata?._continue || undefined;
  } while (_continue);
  return secrets;
}
