import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { createHash } from 'node:crypto';
import type ClientScopeRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientScopeRepresentation.js';
import type ProtocolMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/protocolMapperRepresentation.js';
import type { EnsureOutcome } from '../../model/provisioning';
import { ignoreConflict, isConflict, isNotFound, keycloakNameTaken } from '../../model/errors';
import { findClient } from './clients';
import type { PlatformClients } from './platform-clients';
import { MANAGED_ATTRIBUTE, MANAGED_BY, NAMESPACE_ATTRIBUTE, WORKLOAD_ATTRIBUTE } from '../../model/labels';
import { audienceScopeName, legacyAudienceScopeName } from '../../model/names';

export const AUDIENCE_MAPPER = 'audience';

export function desiredMapper(clientId: string): ProtocolMapperRepresentation {
  return {
    name: AUDIENCE_MAPPER,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-audience-mapper',
    config: {
      'included.custom.audience': clientId,
      'access.token.claim': 'true',
      'id.token.claim': 'false',
      'introspection.token.claim': 'true',
    },
  };
}

export function mapperDrifted(live: ProtocolMapperRepresentation, desired: ProtocolMapperRepresentation): boolean {
  if (live.protocolMapper !== desired.protocolMapper) return true;
  return Object.entries(desired.config ?? {}).some(([key, value]) => live.config?.[key] !== value);
}

/** A 404 on a removal means it is gone already. */
function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}

/**
 * The id the provisioner gives an audience scope, derived from its name (UUID layout), so that the
 * scope is read by id instead of searched for among all of the realm's scopes (one per agent).
 */
export function audienceScopeId(name: string): string {
  const h = createHash('sha256').update(`kagenti-audience-scope\x00${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** One agent's audience scope: whose it is and which client id it puts into tokens. */
export interface AudienceScopeOwner {
  namespace: string;
  workload: string;
  clientId: string;
}

const marksOf = (owner: AudienceScopeOwner) => ({ [MANAGED_ATTRIBUTE]: MANAGED_BY, [NAMESPACE_ATTRIBUTE]: owner.namespace, [WORKLOAD_ATTRIBUTE]: owner.workload });

/** Marked as the provisioner's for exactly this namespace and workload. */
export function isScopeOf(scope: ClientScopeRepresentation, owner: Pick<AudienceScopeOwner, 'namespace' | 'workload'>): boolean {
  const attributes = scope.attributes ?? {};
  return attributes[MANAGED_ATTRIBUTE] === MANAGED_BY && attributes[NAMESPACE_ATTRIBUTE] === owner.namespace && attributes[WORKLOAD_ATTRIBUTE] === owner.workload;
}

/**
 * Whether a scope under the spec's ambiguous name is this workload's beyond doubt: marked as the
 * provisioner's for it, or unmarked (the reference's) with an audience mapper naming its client id.
 * A scope of that name marked for another namespace or workload, or for another audience, is not.
 */
function isLegacyScopeOf(scope: ClientScopeRepresentation, owner: AudienceScopeOwner): boolean {
  if (scope.attributes?.[MANAGED_ATTRIBUTE] !== undefined) return isScopeOf(scope, owner);
  return scope.protocolMappers?.some((m) => m.protocolMapper === 'oidc-audience-mapper' && m.config?.['included.custom.audience'] === owner.clientId) ?? false;
}

function nameTaken(name: string, owner: AudienceScopeOwner, scope: ClientScopeRepresentation): Error {
  const marks = scope.attributes?.[MANAGED_ATTRIBUTE] === MANAGED_BY ? `the provisioner's for ${scope.attributes?.[NAMESPACE_ATTRIBUTE]}/${scope.attributes?.[WORKLOAD_ATTRIBUTE]}` : 'not made by the provisioner';
  return keycloakNameTaken(`Keycloak client scope ${name} exists and is ${marks}, not ${owner.namespace}/${owner.workload}'s: left alone, and ${owner.clientId} gets no audience scope until it is removed or renamed`);
}

/**
 * This workload's audience scope, wherever it is: by its derived id; as renamed from the spec's name
 * by an earlier adoption (which keeps the old derived id); or, read from the realm's list of scopes,
 * by its name, or under the spec's ambiguous name, which is then adopted: renamed in place and
 * marked, so its id and its places among default scopes stay and no token loses its audience.
 * A scope of its name that is someone else's is reported, never written.
 */
async function findOwnScope(admin: KcAdminClient, name: string, owner: AudienceScopeOwner): Promise<{ scope: ClientScopeRepresentation; adopted: boolean } | undefined> {
  const byId = await admin.clientScopes.findOne({ id: audienceScopeId(name) });
  const legacyName = legacyAudienceScopeName(owner.namespace, owner.workload);
  const byLegacyId = byId ? undefined : await admin.clientScopes.findOne({ id: audienceScopeId(legacyName) });
  let found = [byId, byLegacyId].find((s) => s?.name === name);
  let legacy = byLegacyId?.name === legacyName ? byLegacyId : undefined;
  if (!found && !legacy) {
    const all = await admin.clientScopes.find();
    found = all.find((s) => s.name === name);
    legacy = all.find((s) => s.name === legacyName);
  }
  if (found) {
    if (!isScopeOf(found, owner)) throw nameTaken(name, owner, found);
    return { scope: found, adopted: false };
  }
  if (!legacy || !isLegacyScopeOf(legacy, owner)) return undefined;
  await admin.clientScopes.update({ id: legacy.id! }, { ...legacy, name, attributes: { ...legacy.attributes, ...marksOf(owner) } });
  return { scope: { ...legacy, name }, adopted: true };
}

/**
 * The audience scope of one agent client: a client scope with an oidc-audience-mapper that puts the
 * client's id into access tokens, added as a default scope of each platform client that exists and,
 * with `realmDefault` (the reference's placement, spec §5), as a realm default scope; without it, it
 * is taken out of the realm defaults. Returns the most significant change made.
 */
export async function ensureAudienceScope(
  admin: KcAdminClient,
  scope: AudienceScopeOwner & { platformClientIds: string[]; realmDefault: boolean },
  context: { platformClients: PlatformClients; clientJustCreated: boolean },
): Promise<{ outcome: EnsureOutcome; missingPlatformClients: string[] }> {
  const changes: EnsureOutcome[] = [];
  const name = audienceScopeName(scope.namespace, scope.workload);
  const id = audienceScopeId(name);
  const desired = desiredMapper(scope.clientId);
  // The scope of a client created just now is most likely absent too: create it without a look (a 409 says otherwise).
  const found = context.clientJustCreated ? undefined : await findOwnScope(admin, name, scope);
  if (found?.adopted) changes.push('updated');
  let live = found?.scope;
  let created = false;
  if (!live) {
    try {
      // With its mapper in one request: a scope created now needs no second look.
      await admin.clientScopes.create({
        id,
        name,
        protocol: 'openid-connect',
        description: `Audience ${scope.clientId} (managed by ${MANAGED_BY})`,
        attributes: { 'include.in.token.scope': 'false', 'display.on.consent.screen': 'false', ...marksOf(scope) },
        protocolMappers: [desired],
      });
      changes.push('created');
      created = true;
      live = { id, name };
    } catch (error) {
      // Another attempt created it, or a scope of that name exists under another id.
      if (!isConflict(error)) throw error;
      live = (await findOwnScope(admin, name, scope))?.scope;
      if (!live) throw new Error(`client scope ${name} vanished right after it was created`, { cause: error });
    }
  }

  if (!created) {
    const mappers = await admin.clientScopes.listProtocolMappers({ id: live.id! });
    const mapper = mappers.find((m) => m.name === AUDIENCE_MAPPER);
    if (!mapper) {
      await admin.clientScopes.addProtocolMapper({ id: live.id! }, desired).catch(ignoreConflict);
      changes.push('updated');
    } else if (mapperDrifted(mapper, desired)) {
      await admin.clientScopes.updateProtocolMapper({ id: live.id!, mapperId: mapper.id! }, { ...mapper, ...desired, config: { ...mapper.config, ...desired.config } });
      changes.push('updated');
    }
  }

  // A scope created just now is in no default list: add it without reading the lists, which grow with every agent.
  const isRealmDefault = created ? false : (await admin.clientScopes.listDefaultClientScopes()).some((s) => s.id === live.id);
  if (scope.realmDefault && !isRealmDefault) {
    await admin.clientScopes.addDefaultClientScope({ id: live.id! }).catch(ignoreConflict);
    changes.push('updated');
  } else if (!scope.realmDefault && isRealmDefault) {
    await admin.clientScopes.delDefaultClientScope({ id: live.id! }).catch(ignoreNotFound);
    changes.push('updated');
  }

  // The platform client's default scopes grow by one per agent: never read here. Adding is
  // idempotent (Keycloak answers 204 when the scope is there already), so it is simply added; the
  // Keycloak audit reads those lists once per interval and wakes a namespace whose scope is missing.
  const missingPlatformClients: string[] = [];
  for (const platformClientId of scope.platformClientIds) {
    const added = await context.platformClients.withId(admin, platformClientId, async (platformId) => {
      await admin.clients.addDefaultClientScope({ id: platformId, clientScopeId: live.id! }).catch(ignoreConflict);
    });
    if (added === 'missing') missingPlatformClients.push(platformClientId);
  }
  const outcome: EnsureOutcome = changes.includes('created') ? 'created' : changes.length > 0 ? 'updated' : 'unchanged';
  return { outcome, missingPlatformClients };
}

/**
 * Removes the workload's audience scope if it is the provisioner's for exactly this namespace and
 * workload: from the realm defaults, the platform clients, then the realm.
 */
export async function deleteAudienceScope(admin: KcAdminClient, owner: Pick<AudienceScopeOwner, 'namespace' | 'workload'>, platformClientIds: string[]): Promise<boolean> {
  const name = audienceScopeName(owner.namespace, owner.workload);
  const legacyName = legacyAudienceScopeName(owner.namespace, owner.workload);
  // findOne answers null, not undefined, for a scope that does not exist.
  const isOwn = (s: ClientScopeRepresentation | null | undefined): s is ClientScopeRepresentation => !!s && (s.name === name || s.name === legacyName) && isScopeOf(s, owner);
  let live = [await admin.clientScopes.findOne({ id: audienceScopeId(name) }), await admin.clientScopes.findOne({ id: audienceScopeId(legacyName) })].find(isOwn);
  // An adopted scope of the reference's keeps the id it had: found in the realm's list.
  live ??= (await admin.clientScopes.find()).find(isOwn);
  if (!live) return false;
  await admin.clientScopes.delDefaultClientScope({ id: live.id! }).catch(ignoreNotFound);
  for (const platformClientId of platformClientIds) {
    const platform = await findClient(admin, platformClientId);
    if (platform) await admin.clients.delDefaultClientScope({ id: platform.id!, clientScopeId: live.id! }).catch(ignoreNotFound);
  }
  await admin.clientScopes.del({ id: live.id! }).catch(ignoreNotFound);
  return true;
}
