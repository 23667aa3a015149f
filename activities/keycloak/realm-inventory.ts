import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type ClientScopeRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientScopeRepresentation.js';
import { findClient, isManaged } from './clients';
import type { KeycloakSettings } from '../../model/provisioning';
import { desiredClient } from './desired';
import { MANAGED_ATTRIBUTE, MANAGED_BY } from '../../model/labels';

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

/** Only the fields the provisioner owns (and id, secret): a realm of tens of thousands of clients then fits in a worker's memory. */
function ownedFields(client: ClientRepresentation, owned: string[]): ClientRepresentation {
  const kept = Object.fromEntries(owned.map((key) => [key, (client as Record<string, unknown>)[key]]));
  return { ...kept, id: client.id, secret: client.secret };
}

export async function readRealmInventory(admin: KcAdminClient, keycloak: KeycloakSettings, platformClientIds: string[]): Promise<RealmInventory> {
  const owned = Object.keys(desiredClient('', '', '', keycloak));
  const clients = new Map<string, ClientRepresentation>();
  for (let first = 0; ; first += PAGE) {
    const page = await admin.clients.find({ first, max: PAGE });
    for (const client of page) if (isManaged(client)) clients.set(client.clientId!, ownedFields(client, owned));
    if (page.length < PAGE) break;
  }
  const scopes = new Map<string, ClientScopeRepresentation>();
  for (const scope of await admin.clientScopes.find()) {
    if (scope.attributes?.[MANAGED_ATTRIBUTE] === MANAGED_BY) scopes.set(scope.name!, { id: scope.id, name: scope.name, attributes: scope.attributes, protocolMappers: scope.protocolMappers });
  }
  const platformDefaults = new Map<string, Set<string>>();
  for (const clientId of platformClientIds) {
    const platform = await findClient(admin, clientId);
    if (platform) platformDefaults.set(clientId, new Set((await admin.clients.listDefaultClientScopes({ id: platform.id! })).map((s) => s.id!)));
  }
  return { clients, scopes, platformDefaults };
}
