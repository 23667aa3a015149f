import KcAdminClient from '@keycloak/keycloak-admin-client';

export interface AdminCredentials {
  username: string;
  password: string;
}

/**
 * A fresh admin session for one unit of work, pointed at `realm`. The admin user logs in to the
 * master realm; admin tokens live about 60 s and the client cannot refresh them, so every
 * activity execution logs in anew instead of sharing a session.
 */
export async function keycloakAdminSession(url: string, realm: string, credentials: AdminCredentials): Promise<KcAdminClient> {
  const admin = new KcAdminClient({ baseUrl: url, realmName: 'master' });
  await admin.auth({ grantType: 'password', clientId: 'admin-cli', username: credentials.username, password: credentials.password });
  admin.setConfig({ realmName: realm });
  return admin;
}
