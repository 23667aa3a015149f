import type { ValidationResult, WorkloadName } from '../../model/migration';
import type { KeycloakSettings } from '../../model/provisioning';
import { isNotFound } from '../../model/errors';
import type { KubeClients } from '../kubernetes/clients';
import { credentialsSecretName } from '../../model/names';
import { LEGACY_CONTAINERS } from '../../model/names';
import { readWorkload } from '../kubernetes/workloads';

function selectorOf(matchLabels: Record<string, string> | undefined): string {
  return Object.entries(matchLabels ?? {}).map(([key, value]) => `${key}=${value}`).join(',');
}

/** Asks Keycloak for a token by client credentials; the secret is used here and nowhere else. */
async function tokenProblem(keycloak: KeycloakSettings, clientId: string, clientSecret: string): Promise<string | undefined> {
  const response = await fetch(`${keycloak.url}/realms/${encodeURIComponent(keycloak.realm)}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.ok) return undefined;
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  return `Keycloak refused a client-credentials token for ${clientId}: HTTP ${response.status} ${body.error ?? ''}`.trim();
}

/**
 * Checks a migrated workload the way the reference runbook does by hand: every pod has one
 * container and no legacy sidecar, the credentials Secret exists, and its credentials get a token.
 */
export async function validateWorkload(k8s: KubeClients, namespace: string, workload: WorkloadName, keycloak: KeycloakSettings): Promise<ValidationResult> {
  const failures: string[] = [];
  const object = await readWorkload(k8s, namespace, workload);
  const pods = (await k8s.core.listNamespacedPod({ namespace, labelSelector: selectorOf(object.spec?.selector.matchLabels) })).items.filter(
    (pod) => !pod.metadata?.deletionTimestamp,
  );
  if (pods.length === 0) failures.push('no running pod');
  for (const pod of pods) {
    const names = (pod.spec?.containers ?? []).map((c) => c.name);
    const legacy = names.filter((name) => LEGACY_CONTAINERS.has(name));
    if (legacy.length > 0) failures.push(`pod ${pod.metadata?.name} still has legacy sidecar(s): ${legacy.join(', ')}`);
    else if (names.length !== 1) failures.push(`pod ${pod.metadata?.name} has ${names.length} containers, not 1`);
  }
  const secretName = credentialsSecretName(namespace, workload.name);
  try {
    const secret = await k8s.core.readNamespacedSecret({ namespace, name: secretName });
    const clientId = Buffer.from(secret.data?.['client-id.txt'] ?? '', 'base64').toString('utf8');
    const clientSecret = Buffer.from(secret.data?.['client-secret.txt'] ?? '', 'base64').toString('utf8');
    if (!clientId) failures.push(`credentials Secret ${secretName} has no client-id.txt`);
    // A federated-jwt client authenticates with its SPIFFE JWT, which only the pod has.
    else if (keycloak.clientAuthType === 'client-secret') {
      const problem = await tokenProblem(keycloak, clientId, clientSecret);
      if (problem) failures.push(problem);
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    failures.push(`credentials Secret ${secretName} is missing`);
  }
  return { workload: `${workload.kind} ${workload.name}`, ok: failures.length === 0, failures };
}
