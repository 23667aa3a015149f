import { KubeConfig, KubernetesObject, loadAllYaml } from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { core } from './cluster';
import { adminKubeConfig } from './stack';

/** The RBAC this project ships (deploy/base). */
export const RBAC_FILE = join(__dirname, '..', '..', 'deploy', 'base', 'rbac.yaml');

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
