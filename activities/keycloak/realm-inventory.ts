import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type ClientScopeRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientScopeRepresentation.js';
import { findClient, isManaged } from './clients';
import { MANAGED_ATTRIBUTE, MANAGED_BY } from './desired';

/** What this provisioner manages in one realm, read in a few list requests whatever the number of agents. */
export interface RealmInventory {
  /** Managed clients by clientId, with their attributes and (confidential clients) their secret. */
  clients: Map<string, ClientRepresentation>;
  /** Managed audience scopes by name, with their protocol mappers. */
  scopes: Map<string, ClientScopeRepresentation>;
  /** The default client scope ids of each platform client; absent: no such client in the realm. */
  platformDefaults: Map<string, Set<string>>;
}

const PAGE = 500;

export async function readRealmInventory(admin: KcAdminClient, platformClientIds: string[]): Promise<RealmInventory> {
  const clients = new Map<string, ClientRepresentation>();
  for (let first = 0; ; first += PAGE) {
    const page = await admin.clients.find({ first, max: PAGE });
    for (const client of page) if (isManaged(client)) clients.set(client.clientId!, client);
    if (page.length < PAGE) break;
  }
  const scopes = new Map<string, ClientScopeRepresentation>();
  for (const scope of await admin.clientScopes.find()) {
    if (scope.attributes?.[MANAGED_ATTRIBUTE] === MANAGED_BY) scopes.set(scope.name!, scope);
  }
  const platformDefaults = new Map<string, Set<string>>();
  for (const clientId of platformClientIds) {
    const platform = await findClient(admin, clientId);
    if (platform) platformDefaults.set(clientId, new Set((await admin.clients.listDefaultClientScopes({ id: platform.id! })).map((s) => s.id!)));
  }
  return { clients, scopes, platformDefaults };
}
