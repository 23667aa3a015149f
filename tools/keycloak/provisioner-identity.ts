import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { ensureClient } from './clients';

/** The client id the provisioner's identity has unless told otherwise. */
export const PROVISIONER_CLIENT_ID = 'kagenti-provisioner';

/**
 * The realm-management roles provisioning, the audit and migrations need, found on the real
 * Keycloak 26.7: `manage-clients` alone covers clients, their secrets, client scopes with their
 * mappers, and the default scopes of clients and of the realm. Without it every call is refused
 * (test/integration/provisioning/keycloak-identity.test.ts takes it away and shows it).
 */
export const PROVISIONER_ROLES: readonly string[] = ['manage-clients'];

export interface ProvisionerIdentity {
  clientId: string;
  clientSecret: string;
}

/**
 * Creates, or brings in line, the provisioner's identity in the realm `admin` points at: a
 * confidential client with a service account and no other flow, whose service account holds exactly
 * `roles` of the realm's `realm-management` client (others are taken away). `secret` sets its client
 * secret; without it Keycloak's is kept (or made). Run by a realm or master admin, once per realm.
 */
export async function ensureProvisionerIdentity(
  admin: KcAdminClient,
  options: { clientId?: string; secret?: string; roles?: readonly string[] } = {},
): Promise<ProvisionerIdentity> {
  const clientId = options.clientId ?? PROVISIONER_CLIENT_ID;
  const representation = {
    clientId,
    name: 'Kagenti waypoint provisioner',
    description: 'Registers agent clients and their audience scopes (kagenti waypoint mode)',
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    implicitFlowEnabled: false,
    ...(options.secret ? { secret: options.secret } : {}),
  };
  const client = await ensureClient(admin, representation);

  const user = await admin.clients.getServiceAccountUser({ id: client.id! });
  const realmManagement = (await admin.clients.find({ clientId: 'realm-management' }))[0];
  const wanted = new Set(options.roles ?? PROVISIONER_ROLES);
  const available = await admin.clients.listRoles({ id: realmManagement.id! });
  const unknown = [...wanted].filter((name) => !available.some((r) => r.name === name));
  if (unknown.length > 0) throw new Error(`realm-management has no role ${unknown.join(', ')}`);
  const held = await admin.users.listClientRoleMappings({ id: user.id!, clientUniqueId: realmManagement.id! });
  const toAdd = available.filter((r) => wanted.has(r.name!) && !held.some((h) => h.id === r.id));
  const toRemove = held.filter((r) => !wanted.has(r.name!));
  const asMapping = (roles: typeof available) => roles.map((r) => ({ id: r.id!, name: r.name! }));
  if (toAdd.length > 0) await admin.users.addClientRoleMappings({ id: user.id!, clientUniqueId: realmManagement.id!, roles: asMapping(toAdd) });
  if (toRemove.length > 0) await admin.users.delClientRoleMappings({ id: user.id!, clientUniqueId: realmManagement.id!, roles: asMapping(toRemove) });

  const clientSecret = (await admin.clients.getClientSecret({ id: client.id! })).value;
  if (!clientSecret) throw new Error(`client ${clientId} has no secret`);
  return { clientId, clientSecret };
}
