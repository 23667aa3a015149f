import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Settings } from '../../config/settings';
import type { AgentWorkload, EnsureOutcome, KeycloakSettings } from '../../workflows/types';
import { isNotFound } from '../errors';
import type { KubeClients } from '../kubernetes/clients';
import { readAdminCredentials } from '../kubernetes/config';
import { credentialsSecretName } from '../kubernetes/desired';
import { writeCredentialsSecret } from '../kubernetes/secrets';
import { keycloakAdminSession } from './admin';
import { deleteAudienceScope, ensureAudienceScope } from './client-scopes';
import { ensureClient, findClient, listManagedClients } from './clients';
import { audienceScopeName, desiredClient, keycloakClientId, WORKLOAD_ATTRIBUTE } from './desired';

export type WorkloadRef = Pick<AgentWorkload, 'kind' | 'name' | 'uid' | 'serviceAccountName'>;

/** An admin session with the credentials read from the operator namespace for this unit of work. */
async function adminSession(k8s: KubeClients, settings: Settings, keycloak: KeycloakSettings): Promise<KcAdminClient> {
  const credentials = await readAdminCredentials(k8s, settings.operatorNamespace);
  if (!credentials) {
    // Retryable: the workflow checked the Secret a moment ago, so it may be being replaced.
    throw new Error(`Secret ${settings.operatorNamespace}/keycloak-admin-secret is missing or lacks KEYCLOAK_ADMIN_USERNAME/KEYCLOAK_ADMIN_PASSWORD`);
  }
  return keycloakAdminSession(keycloak.url, keycloak.realm, credentials);
}

export interface KeycloakClientResult {
  clientId: string;
  outcome: EnsureOutcome;
  drift: string[];
  audienceScope?: EnsureOutcome;
  missingPlatformClients: string[];
}

/** The workload's Keycloak client (created or repaired) and, unless disabled, its audience scope. */
export async function ensureWorkloadClient(
  k8s: KubeClients,
  settings: Settings,
  input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings },
): Promise<KeycloakClientResult> {
  const { namespace, workload, keycloak } = input;
  const clientId = keycloakClientId(namespace, workload, keycloak, settings.spireTrustDomain);
  const admin = await adminSession(k8s, settings, keycloak);
  const client = await ensureClient(admin, desiredClient(namespace, workload.name, clientId, keycloak));
  if (!keycloak.audienceScopeEnabled) return { clientId, outcome: client.outcome, drift: client.drift, missingPlatformClients: [] };
  const scope = await ensureAudienceScope(admin, {
    name: audienceScopeName(namespace, workload.name),
    namespace,
    workload: workload.name,
    clientId,
    platformClientIds: keycloak.platformClientIds,
  });
  return { clientId, outcome: client.outcome, drift: client.drift, audienceScope: scope.outcome, missingPlatformClients: scope.missingPlatformClients };
}

/**
 * Copies the client's secret from Keycloak into the workload's credentials Secret. The secret value
 * exists only inside this call: it is neither an input nor a result, nor logged.
 */
export async function ensureClientCredentialsSecret(
  k8s: KubeClients,
  settings: Settings,
  input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings; clientId: string },
): Promise<{ secretName: string; outcome: EnsureOutcome }> {
  const { namespace, workload, keycloak, clientId } = input;
  const admin = await adminSession(k8s, settings, keycloak);
  const client = await findClient(admin, clientId);
  if (!client) throw new Error(`Keycloak client ${clientId} does not exist yet`);
  // Clients that authenticate with a signed JWT (federated-jwt) have no secret.
  const secretValue = keycloak.clientAuthType === 'client-secret' ? ((await admin.clients.getClientSecret({ id: client.id! })).value ?? '') : '';
  const secretName = credentialsSecretName(namespace, workload.name);
  const outcome = await writeCredentialsSecret(k8s, namespace, secretName, workload, clientId, secretValue);
  return { secretName, outcome };
}

/** Deletes this provisioner's clients (and audience scopes) in `namespace` whose workload is not in `keep`. */
export async function deleteStaleKeycloakClients(
  k8s: KubeClients,
  settings: Settings,
  input: { namespace: string; keep: string[]; keycloak: KeycloakSettings },
): Promise<{ deleted: string[] }> {
  const admin = await adminSession(k8s, settings, input.keycloak);
  const deleted: string[] = [];
  for (const client of await listManagedClients(admin, input.namespace)) {
    const workload = client.attributes?.[WORKLOAD_ATTRIBUTE] ?? '';
    if (input.keep.includes(workload)) continue;
    await deleteAudienceScope(admin, audienceScopeName(input.namespace, workload), input.keycloak.platformClientIds);
    try {
      await admin.clients.del({ id: client.id! });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    deleted.push(client.clientId!);
  }
  return { deleted };
}
