import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { ignoreConflict } from '../../model/errors';

/** Creates `realm` if it is missing (`admin` signed in as a server admin), and points `admin` at it. */
export async function ensureRealm(admin: KcAdminClient, realm: string): Promise<void> {
  await admin.realms.create({ realm, enabled: true }).catch(ignoreConflict);
  admin.setConfig({ realmName: realm });
}
