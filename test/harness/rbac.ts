import { CoreV1Api, KubeConfig, KubernetesObject, KubernetesObjectApi, loadAllYaml } from '@kubernetes/client-node';
import { MERGE_PATCH } from '../../activities/kubernetes/clients';
import { eventually } from './eventually';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { core } from './cluster';
import { adminKubeConfig } from './stack';

/** The RBAC this project ships (deploy/base). */
export const RBAC_FILE = join(__dirname, '..', '..', 'deploy', 'base', 'rbac.yaml');
/** The ValidatingAdmissionPolicy and its binding that confine the worker (deploy/base). */
export const ADMISSION_POLICY_FILE = join(__dirname, '..', '..', 'deploy', 'base', 'admission-policy.yaml');

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

export type RbacObject = KubernetesObject & { rules?: Rule[]; roleRef?: { name: string }; subjects?: { namespace?: string; name: string }[] };

/** The shipped RBAC objects as written. */
export function shippedRbacObjects(): RbacObject[] {
  return loadAllYaml(readFileSync(RBAC_FILE, 'utf8')) as RbacObject[];
}

/** The shipped RBAC, moved into `operatorNamespace` and given names ending in `suffix`, so a test can apply its own copy. */
export function shippedRbac(operatorNamespace: string, suffix: string): RbacObject[] {
  return shippedRbacObjects().map((object) => {
    const copy = JSON.parse(JSON.stringify(object)) as RbacObject & Record<string, any>;
    if (copy.metadata!.namespace) copy.metadata!.namespace = operatorNamespace;
    if (copy.kind !== 'ServiceAccount') copy.metadata!.name = `${copy.metadata!.name}-${suffix}`;
    if (copy.roleRef) copy.roleRef.name = `${copy.roleRef.name}-${suffix}`;
    for (const subject of copy.subjects ?? []) subject.namespace = operatorNamespace;
    return copy;
  });
}

/** A kubeconfig file for a ServiceAccount token, written in `dir`, trusting the stack's apiserver. */
export async function serviceAccountKubeconfig(dir: string, namespace: string, name: string): Promise<string> {
  const request = await core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const admin = adminKubeConfig();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: admin.clusters,
    users: [{ name, token: request.status!.token }],
    contexts: [{ name, cluster: admin.clusters[0].name, user: name }],
    currentContext: name,
  });
  const file = join(dir, `${namespace}-${name}.kubeconfig`);
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

/** Whether an error is the apiserver's 403 Forbidden, as the Kubernetes client or a watch reports it. */
export function isForbidden(error: unknown): boolean {
  const e = error as { code?: number; statusCode?: number; message?: string } | undefined;
  return e?.code === 403 || e?.statusCode === 403 || /\b403\b|forbidden/i.test(String(e?.message ?? error));
}

/**
 * How the apiserver answered a request: allowed, refused by an admission policy, refused by RBAC
 * (403 without a policy's name), or failed otherwise.
 */
export async function outcomeOf(attempt: () => Promise<unknown>): Promise<string> {
  try {
    await attempt();
    return 'allowed';
  } catch (error) {
    if (!isForbidden(error)) return `failed: ${String((error as Error).message ?? error).split('\n')[0]}`;
    const e = error as { body?: unknown; message?: string };
    const text = `${typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '')} ${e.message ?? ''}`;
    return text.includes('ValidatingAdmissionPolicy') ? 'refused by the policy' : 'refused by RBAC';
  }
}

/**
 * The shipped admission policy and binding with names ending in `suffix`, applied to the stack; it
 * confines every ServiceAccount named kagenti-waypoint-worker, as shipped. Returns once the
 * apiserver enforces it (a dry-run patch of a namespace label as `worker` is refused) and a
 * function that deletes it.
 */
export async function applyShippedAdmissionPolicy(suffix: string, worker: KubeConfig, namespace: string): Promise<() => Promise<void>> {
  const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  const copies = (loadAllYaml(readFileSync(ADMISSION_POLICY_FILE, 'utf8')) as (KubernetesObject & { spec: { policyName?: string } })[]).map((object) => {
    const copy = JSON.parse(JSON.stringify(object)) as KubernetesObject & { spec: { policyName?: string } };
    copy.metadata!.name = `${copy.metadata!.name}-${suffix}`;
    if (copy.spec.policyName) copy.spec.policyName = `${copy.spec.policyName}-${suffix}`;
    return copy;
  });
  for (const copy of copies) await objects.create(copy);
  const asWorker = worker.makeApiClient(CoreV1Api);
  const probe = () => asWorker.patchNamespace({ name: namespace, dryRun: 'All', body: { metadata: { labels: { 'kagenti.io/admission-probe': 'x' } } } }, MERGE_PATCH);
  await eventually(async () => ((await outcomeOf(probe)) === 'refused by the policy' ? true : undefined), 20_000, 'the admission policy to be enforced');
  return async () => {
    for (const copy of [...copies].reverse()) await objects.delete(copy).catch(() => undefined);
  };
}
