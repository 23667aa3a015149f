import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { credentialsSecretName, keycloakClientId } from '../../model/names';
import type { EnsureOutcome, KeycloakClientResult, KeycloakSettings, WorkloadRef, WorkloadRegistration } from '../../model/provisioning';
import { ensureAudienceScope } from '../keycloak/client-scopes';
import { ensureClient, findClient } from '../keycloak/clients';
import { desiredClient } from '../keycloak/desired';
import type { PlatformClients } from '../keycloak/platform-clients';
import { writeCredentialsSecret } from '../kubernetes/secrets';
import { ensureCredentialsAnnotation } from '../kubernetes/workloads';
import { RegistrationDeps, withAdmin } from './admin-session';

/** Within an admin session: the workload's client (created or repaired) and, unless disabled, its audience scope. */
async function ensureClientAndScope(
  admin: KcAdminClient,
  platformClients: PlatformClients,
  input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings; clientId: string; newWorkload?: boolean; registrationKey?: string },
): Promise<KeycloakClientResult & { id: string }> {
  const { namespace, workload, keycloak, clientId } = input;
  const client = await ensureClient(admin, desiredClient(namespace, workload.name, clientId, keycloak), input.newWorkload, input.registrationKey);
  const result = { id: client.id, clientId, outcome: client.outcome, drift: client.drift };
  if (!keycloak.audienceScopeEnabled) return { ...result, missingPlatformClients: [] };
  const scope = await ensureAudienceScope(
    admin,
    {
      namespace,
      workload: workload.name,
      clientId,
      platformClientIds: keycloak.platformClientIds,
      realmDefault: keycloak.audienceScopeRealmDefault,
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

/**
 * Registers one workload in one activity, in the order the spec sets: its client and audience
 * scope, then its credentials Secret (the client secret goes from Keycloak into the Secret here and
 * nowhere else), then, only once the Secret exists, the pod-template annotation. One admin session
 * and one round trip through Temporal instead of three; every part is idempotent, so a retry after
 * a crash at any point converges.
 */
export async function ensureRegistration(
  deps: RegistrationDeps,
  input: {
    namespace: string;
    workload: WorkloadRef;
    keycloak: KeycloakSettings;
    /** No earlier pass registered it: its client and Secret are most likely absent and are created without a look first. */
    newWorkload?: boolean;
    /** The credentials annotation on its pod template as the pass read it (null: none); it is then not read again. */
    annotationSeen?: string | null;
    /**
     * Marked on the client and the Secret it creates: a registration of the same key finding them
     * in place (its earlier try's result was lost) reports them created.
     */
    registrationKey?: string;
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
  // A workload whose template names no Secret yet most likely has none: created without a look first.
  const { outcome: secret, foundMarked } = await writeCredentialsSecret(deps.k8s, namespace, secretName, workload, clientId, secretValue, { expectNew: input.newWorkload && !input.annotationSeen, markKey: input.registrationKey });
  const annotation = await ensureCredentialsAnnotation(deps.k8s, namespace, workload, secretName, input.annotationSeen);
  // The Secret was made by an earlier try of this registration, and the annotation naming it was
  // already in place: written by that try after the Secret, and reported with it.
  const annotatedEarlier = foundMarked && annotation.outcome === 'unchanged';
  return { ...client, secretName, secret, annotation: annotatedEarlier ? 'updated' : annotation.outcome };
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
  const { outcome } = await writeCredentialsSecret(deps.k8s, namespace, secretName, workload, clientId, secretValue);
  return { secretName, outcome };
}

