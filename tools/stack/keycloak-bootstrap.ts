import KcAdminClient from '@keycloak/keycloak-admin-client';
import { readSecretFile } from '../../config/temporal-credentials';
import { ignoreConflict } from '../../model/errors';
import { ensureProvisionerIdentity } from '../keycloak/provisioner-identity';
import { ensureRealm } from '../keycloak/realm';
import { ensureTemporalAccess } from '../keycloak/temporal-access';
import type { StackState, TemporalAccessState } from './state';

export const KAGENTI_REALM = 'kagenti';
/** The production profile's realm of who may act on Temporal. */
export const TEMPORAL_REALM = 'temporal';
export const PLATFORM_CLIENT_ID = 'kagenti';

/**
 * Creates the realm `kagenti`, its platform client `kagenti` (confidential, with a service account)
 * and the provisioner's own identity in it, as a platform team would (tools/keycloak): the
 * provisioner and the tests use that, never the master admin. With `temporal` (the production
 * profile), also the realm of who may act on Temporal, its clients' secrets and its people as given.
 */
export async function bootstrapKeycloak(url: string, username: string, password: string, provisionerSecret: string, temporal?: { access: TemporalAccessState; namespace: string; uiUrl: string }): Promise<void> {
  const admin = new KcAdminClient({ baseUrl: url, realmName: 'master' });
  await admin.auth({ grantType: 'password', clientId: 'admin-cli', username, password });
  await ensureRealm(admin, KAGENTI_REALM);
  if (temporal) await bootstrapTemporalAccess(admin, temporal.access, temporal.namespace, temporal.uiUrl);
  admin.setConfig({ realmName: KAGENTI_REALM });
  await admin.clients
    .create({
      clientId: PLATFORM_CLIENT_ID,
      name: 'Kagenti platform',
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: true,
      directAccessGrantsEnabled: true,
      attributes: { 'standard.token.exchange.enabled': 'true' },
    })
    .catch(ignoreConflict);
  await ensureProvisionerIdentity(admin, { secret: provisionerSecret });
}

/** Keycloak's bootstrap for a running stack, as recorded in its state (the Temporal realm on the production profile). */
export function bootstrapStackKeycloak(state: StackState): Promise<void> {
  const { access, namespace, uiUrl } = state.temporal;
  const { url, adminUsername, adminPassword, provisioner } = state.keycloak;
  return bootstrapKeycloak(url, adminUsername, adminPassword, provisioner.clientSecret, access ? { access, namespace, uiUrl } : undefined);
}

async function bootstrapTemporalAccess(admin: KcAdminClient, access: TemporalAccessState, namespace: string, uiUrl: string): Promise<void> {
  await ensureRealm(admin, access.realm);
  const secret = (file: string) => readSecretFile(file, 'the stack\'s Temporal client secret file');
  await ensureTemporalAccess(admin, {
    namespace,
    workerSecret: secret(access.worker.secretFile),
    uiSecret: secret(access.ui.secretFile),
    uiCallbackUrl: `${uiUrl}/auth/sso/callback`,
    adminClient: { clientId: access.admin.clientId, secret: secret(access.admin.secretFile) },
    cliPasswordGrant: true,
    users: [
      { ...access.users.approver, role: 'approver' },
      { ...access.users.viewer, role: 'viewer' },
    ],
  });
}
