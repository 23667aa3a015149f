import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { Context } from '@temporalio/activity';
import type { Settings } from '../../config/settings';
import type { AgentWorkload, EnsureOutcome, KeycloakSettings } from '../../workflows/types';
import { httpStatus, isNotFound } from '../errors';
import type { KubeClients } from '../kubernetes/clients';
import { readAdminCredentials } from '../kubernetes/config';
import { credentialsSecretName } from '../kubernetes/desired';
import { writeCredentialsSecret } from '../kubernetes/secrets';
import { ensureCredentialsAnnotation } from '../kubernetes/workloads';
import { KeycloakAdminSessions } from './admin';
import { deleteAudienceScope, ensureAudienceScope } from './client-scopes';
import { ensureClient, findClient, listManagedClients } from './clients';
import type { PlatformClients } from './platform-clients';
import { audienceScopeName, desiredClient, keycloakClientId, WORKLOAD_ATTRIBUTE } from './desired';

export type WorkloadRef = Pick<AgentWorkload, 'kind' | 'name' | 'uid' | 'serviceAccountName'>;

/** What the Keycloak-facing activities need: the cluster (for the admin Secret), the settings, and the token cache. */
export interface RegistrationDeps {
  k8s: KubeClients;
  settings: Settings;
  sessions: KeycloakAdminSessions;
}

/**
 * Runs `work` with an admin client, the credentials read from the operator namespace each time (so
 * a rotated Secret is picked up). A refused token drops the cache; the activity's retry logs in anew.
 */
export async function withAdmin<T>(deps: RegistrationDeps, keycloak: KeycloakSettings, work: (admin: KcAdminClient) => Promise<T>): Promise<T> {
  const credentials = await readAdminCredentials(deps.k8s, deps.settings.operatorNamespace);
  if (!credentials) {
    // Retryable: the workflow checked the Secret a moment ago, so it may be being replaced.
    throw new Error(`Secret ${deps.settings.operatorNamespace}/keycloak-admin-secret is missing or lacks KEYCLOAK_ADMIN_USERNAME/KEYCLOAK_ADMIN_PASSWORD`);
  }
  const context = Context.current();
  const meter = context.metricMeter;
  // Alive while it waits for a slot and while it works: a dead worker is noticed by the heartbeat timeout.
  const heartbeat = setInterval(() => context.heartbeat(), 1000);
  try {
    return await deps.sessions.exclusive(async () => {
      const started = performance.now();
      try {
        return await work(await deps.sessions.session(keycloak.url, keycloak.realm, credentials));
      } catch (error) {
        if (httpStatus(error) === 401) deps.sessions.invalidate();
        meter.createCounter('kagenti_keycloak_errors', '1', 'Failed units of Keycloak work').add(1, { status: String(httpStatus(error) ?? 'network') });
        throw error;
      } finally {
        meter.createHistogram('kagenti_keycloak_call_duration', 'float', 's', 'Duration of one unit of Keycloak work (login, reads and writes)').record((performance.now() - started) / 1000);
      }
    }, context.info.priority?.priorityKey);
  } finally {
    clearInterval(heartbeat);
  }
}

export interface KeycloakClientResult {
  clientId: string;
  outcome: EnsureOutcome;
  drift: string[];
  audienceScope?: EnsureOutcome;
  missingPlatformClients: string[];
}

/** Within an admin session: the workload's client (created or repaired) and, unless disabled, its audience scope. */
async function ensureClientAndScope(
  admin: KcAdminClient,
  platformClients: PlatformClients,
  input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings; clientId: string; newWorkload?: boolean },
): Promise<KeycloakClientResult & { id: string }> {
  const { namespace, workload, keycloak, clientId } = input;
  const client = await ensureClient(admin, desiredClient(namespace, workload.name, clientId, keycloak), input.newWorkload);
  const result = { id: client.id, clientId, outcome: client.outcome, drift: client.drift };
  if (!keycloak.audienceScopeEnabled) return { ...result, missingPlatformClients: [] };
  const scope = await ensureAudienceScope(
    admin,
    {
      name: audienceScopeName(namespace, workload.name),
      namespace,
      workload: workload.name,
      clientId,
      platformClientIds: keycloak.platformClientIds,
      realmDefault: keycloak.audienceScopeRealmDefault === true,
    },
    { platformClients, clientJustCreated: client.outcome === 'created' },
  );
  return { ...result, audienceScope: scope.outcome, missingPlatformClients: scope.missingPlatformClients };
}

/** The workload's Keycloak client (created or repaired) and, unless disabled, its audience scope. */
export async function ensureWorkloadClient(
  deps: RegistrationDeps,
  input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings },
): Promise<KeycloakClientResult> {
  const clientId = keycloakClientId(input.namespace, input.workload, input.keycloak, deps.settings.spireTrustDomain);
  const { clientId: id, outcome, drift, audienceScope, missingPlatformClients } = await withAdmin(deps, input.keycloak, (admin) => ensureClientAndScope(admin, deps.sessions.platformClients, { ...input, clientId }));
  return { clientId: id, outcome, drift, audienceScope, missingPlatformClients };
}

export interface WorkloadRegistration extends KeycloakClientResult {
  secretName: string;
  secret: EnsureOutcome;
  annotation: EnsureOutcome;
}

/**
 * Registers one workload in one activity, in the order the spec sets: its client and audience
 * scope, then its credentials Secret (the client secret goes from Keycloak into the Secret here and
 * nowhere else), then, only once the Secret exists, the pod-template annotation. One admin session
 * and one round trip through Temporal instead of three; every part is idempotent, so a retry after
 * a crash at any point converges.
 */
export async function registerWorkload(
  deps: RegistrationDeps,
  input: {
    namespace: string;
    workload: WorkloadRef;
    keycloak: KeycloakSettings;
    /** No earlier pass registered it: its client is most likely absent and is created without a look first. */
    newWorkload?: boolean;
  },
): Promise<WorkloadRegistration> {
  const { namespace, workload, keycloak } = input;
  const clientId = keycloakClientId(namespace, workload, keycloak, deps.settings.spireTrustDomain);
  const { client, secretValue } = await withAdmin(deps, keycloak, async (admin) => {
    const { id, ...client } = await ensureClientAndScope(admin, deps.sessions.platformClients, { ...input, clientId });
    // Clients that authenticate with a signed JWT (federated-jwt) have no secret.
    const secretValue = keycloak.clientAuthType === 'client-secret' ? ((await admin.clients.getClientSecret({ id })).value ?? '') : '';
    return { client, secretValue };
  });
  const secretName = credentialsSecretName(namespace, workload.name);
  const secret = await writeCredentialsSecret(deps.k8s, namespace, secretName, workload, clientId, secretValue);
  const annotation = await ensureCredentialsAnnotation(deps.k8s, namespace, workload, secretName);
  return { ...client, secretName, secret, annotation: annotation.outcome };
}

/**
 * Copies the client's secret from Keycloak into the workload's credentials Secret. The secret value
 * exists only inside this call: it is neither an input nor a result, nor logged.
 */
export async function ensureClientCredentialsSecret(
  deps: RegistrationDeps,
  input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings; clientId: string },
): Promise<{ secretName: string; outcome: EnsureOutcome }> {
  const { namespace, workload, keycloak, clientId } = input;
  const secretValue = await withAdmin(deps, keycloak, async (admin) => {
    const client = await findClient(admin, clientId);
    if (!client) throw new Error(`Keycloak client ${clientId} does not exist yet`);
    // Clients that authenticate with a signed JWT (federated-jwt) have no secret.
    return keycloak.clientAuthType === 'client-secret' ? ((await admin.clients.getClientSecret({ id: client.id! })).value ?? '') : '';
  });
  const secretName = credentialsSecretName(namespace, workload.name);
  const outcome = await writeCredentialsSecret(deps.k8s, namespace, secretName, workload, clientId, secretValue);
  return { secretName, outcome };
}

/** Deletes a workload's client (when it has an `id`) and, if this provisioner created it, its audience scope; gone already counts as done. */
export async function deleteWorkloadClient(
  admin: KcAdminClient,
  input: { namespace: string; workload: string; id?: string; platformClientIds: string[] },
): Promise<void> {
  await deleteAudienceScope(admin, audienceScopeName(input.namespace, input.workload), input.platformClientIds);
  if (!input.id) return;
  try {
    await admin.clients.del({ id: input.id });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Deletes this provisioner's clients (and audience scopes) in `namespace` whose workload is not in `keep`. */
export async function deleteStaleKeycloakClients(
  deps: RegistrationDeps,
  input: { namespace: string; keep: string[]; keycloak: KeycloakSettings },
): Promise<{ deleted: string[] }> {
  return withAdmin(deps, input.keycloak, async (admin) => {
    const deleted: string[] = [];
    for (const client of await listManagedClients(admin, input.namespace)) {
      const workload = client.attributes?.[WORKLOAD_ATTRIBUTE] ?? '';
      if (input.keep.includes(workload)) continue;
      await deleteWorkloadClient(admin, { namespace: input.namespace, workload, id: client.id!, platformClientIds: input.keycloak.platformClientIds });
      deleted.push(client.clientId!);
    }
    return { deleted };
  });
}
