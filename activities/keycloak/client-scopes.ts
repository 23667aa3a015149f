import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { createHash } from 'node:crypto';
import type ClientScopeRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientScopeRepresentation.js';
import type ProtocolMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/protocolMapperRepresentation.js';
import type { EnsureOutcome } from '../../model/provisioning';
import { isConflict, isNotFound } from '../../model/errors';
import { findClient } from './clients';
import type { PlatformClients } from './platform-clients';
import { MANAGED_ATTRIBUTE, MANAGED_BY, NAMESPACE_ATTRIBUTE, WORKLOAD_ATTRIBUTE } from '../../model/labels';

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

/** A 409 on an add means an earlier, interrupted attempt of this same activity got there first. */
function alreadyThere(error: unknown): void {
  if (!isConflict(error)) throw error;
}

/**
 * The id the provisioner gives an audience scope, derived from its name (UUID layout), so that the
 * scope is read by id instead of searched for among all of the realm's scopes (one per agent).
 */
export function audienceScopeId(name: string): string {
  const h = createHash('sha256').update(`kagenti-audience-scope\x00${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** By its derived id; by name only for a scope created without it (by hand, or before ids were derived). */
async function findScope(admin: KcAdminClient, name: string): Promise<ClientScopeRepresentation | undefined> {
  const byId = await admin.clientScopes.findOne({ id: audienceScopeId(name) });
  if (byId?.name === name) return byId;
  return (await admin.clientScopes.findOneByName({ name })) ?? undefined;
}

/**
 * The audience scope of one agent client: a client scope with an oidc-audience-mapper that puts the
 * client's id into access tokens, added as a default scope of each platform client that exists and,
 * with `realmDefault` (the reference's placement, spec §5), as a realm default scope; without it, it
 * is taken out of the realm defaults. Returns the most significant change made.
 */
export async function ensureAudienceScope(
  admin: KcAdminClient,
  scope: { name: string; namespace: string; workload: string; clientId: string; platformClientIds: string[]; realmDefault: boolean },
  context: { platformClients: PlatformClients; clientJustCreated: boolean },
): Promise<{ outcome: EnsureOutcome; missingPlatformClients: string[] }> {
  const changes: EnsureOutcome[] = [];
  const id = audienceScopeId(scope.name);
  const desired = desiredMapper(scope.clientId);
  // The scope of a client created just now is most likely absent too: create it without a look (a 409 says otherwise).
  let live = context.clientJustCreated ? undefined : ((await admin.clientScopes.findOne({ id })) ?? undefined);
  let created = false;
  if (!live) {
    try {
      // With its mapper in one request: a scope created now needs no second look.
      await admin.clientScopes.create({
        id,
        name: scope.name,
        protocol: 'openid-connect',
        description: `Audience ${scope.clientId} (managed by ${MANAGED_BY})`,
        attributes: {
          'include.in.token.scope': 'false',
          'display.on.consent.screen': 'false',
          [MANAGED_ATTRIBUTE]: MANAGED_BY,
          [NAMESPACE_ATTRIBUTE]: scope.namespace,
          [WORKLOAD_ATTRIBUTE]: scope.workload,
        },
        protocolMappers: [desired],
      });
      changes.push('created');
      created = true;
      live = { id, name: scope.name };
    } catch (error) {
      // Another attempt created it, or a scope of that name exists under another id.
      if (!isConflict(error)) throw error;
      live = await findScope(admin, scope.name);
      if (!live) throw new Error(`client scope ${scope.name} vanished right after it was created`, { cause: error });
    }
  }

  if (!created) {
    const mappers = await admin.clientScopes.listProtocolMappers({ id: live.id! });
    const mapper = mappers.find((m) => m.name === AUDIENCE_MAPPER);
    if (!mapper) {
      await admin.clientScopes.addProtocolMapper({ id: live.id! }, desired).catch(alreadyThere);
      changes.push('updated');
    } else if (mapperDrifted(mapper, desired)) {
      await admin.clientScopes.updateProtocolMapper({ id: live.id!, mapperId: mapper.id! }, { ...mapper, ...desired, config: { ...mapper.config, ...desired.config } });
      changes.push('updated');
    }
  }

  // A scope created just now is in no default list: add it without reading the lists, which grow with every agent.
  const isRealmDefault = created ? false : (await admin.clientScopes.listDefaultClientScopes()).some((s) => s.id === live.id);
  if (scope.realmDefault && !isRealmDefault) {
    await admin.clientScopes.addDefaultClientScope({ id: live.id! }).catch(alreadyThere);
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
      await admin.clients.addDefaultClientScope({ id: platformId, clientScopeId: live.id! }).catch(alreadyThere);
    });
    if (added === 'missing') missingPlatformClients.push(platformClientId);
  }
  const outcome: EnsureOutcome = changes.includes('created') ? 'created' : changes.length > 0 ? 'updated' : 'unchanged';
  return { outcome, missingPlatformClients };
}

/** Removes the audience scope if this provisioner created it: from the realm defaults, the platform clients, then the realm. */
export async function deleteAudienceScope(admin: KcAdminClient, name: string, platformClientIds: string[]): Promise<boolean> {
  const live = await findScope(admin, name);
  if (!live || live.attributes?.[MANAGED_ATTRIBUTE] !== MANAGED_BY) return false;
  await admin.clientScopes.delDefaultClientScope({ id: live.id! }).catch(ignoreNotFound);
  for (const platformClientId of platformClientIds) {
    const platform = await findClient(admin, platformClientId);
    if (platform) await admin.clients.delDefaultClientScope({ id: platform.id!, clientScopeId: live.id! }).catch(ignoreNotFound);
  }
  await admin.clientScopes.del({ id: live.id! }).catch(ignoreNotFound);
  return true;
}
