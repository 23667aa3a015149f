import KcAdminClient from '@keycloak/keycloak-admin-client';
import { isConflict } from '../../model/errors';
import { ensureProvisionerIdentity } from '../keycloak/provisioner-identity';

export const KAGENTI_REALM = 'kagenti';
export const PLATFORM_CLIENT_ID = 'kagenti';

/**
 * Creates the realm `kagenti`, its platform client `kagenti` (confidential, with a service account)
 * and the provisioner's own identity in it, as a platform team would (tools/keycloak): the
 * provisioner and the tests use that, never the master admin.
 */
export async function bootstrapKeycloak(url: string, username: string, password: string, provisionerSecret: string): Promise<void> {
  const admin = new KcAdminClient({ baseUrl: url, realmName: 'master' });
  await admin.auth({ grantType: 'password', clientId: 'admin-cli', username, password });
  try {
    await admin.realms.create({ realm: KAGENTI_REALM, enabled: true });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  admin.setConfig({ realmName: KAGENTI_REALM });
  try {
    await admin.clients.create({
      clientId: PLATFORM_CLIENT_ID,
      name: 'Kagenti platform',
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: true,
      directAccessGrantsEnabled: true,
      attributes: { 'standard.token.exchange.enabled': 'true' },
    });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  await ensureProvisionerIdentity(admin, { secret: provisionerSecret });
}
