import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation';
import type RoleRepresentation from '@keycloak/keycloak-admin-client/lib/defs/roleRepresentation';
import { ignoreConflict } from '../../model/errors';
import { TEMPORAL_CLI_CLIENT_ID, TEMPORAL_WORKER_CLIENT_ID } from '../../model/names';
import { ensureClient } from './clients';

/**
 * Who may act on Temporal, kept in Keycloak: a realm of its own (the provisioner's realm-management
 * rights never reach it), whose tokens Temporal's JWT authorizer checks.
 *
 * Temporal's default claim mapper reads a `permissions` claim of `<namespace>:<read|write|admin>`
 * entries (`temporal-system:` for the whole server). Those entries are client roles of the client
 * `temporal`; the roles people and processes hold are realm roles made of them:
 */
export const TEMPORAL_ROLES = ['worker', 'approver', 'viewer', 'admin'] as const;
export type TemporalRole = (typeof TEMPORAL_ROLES)[number];

/**
 * What each role may do, as Temporal permissions. Temporal's default authorizer knows read, write
 * and admin only: a worker needs write (it polls, starts and signals), and so does an approver (an
 * approval is an update), so the server cannot tell them apart (docs/security.md says what that
 * means). The UI lists namespaces and the cluster's search attributes: server-wide reads.
 */
export function rolePermissions(namespace: string): Record<TemporalRole, string[]> {
  return {
    worker: [`${namespace}:write`],
    approver: [`${namespace}:write`, 'temporal-system:read'],
    viewer: [`${namespace}:read`, 'temporal-system:read'],
    // The stack's own tooling: registers the namespace and its search attributes.
    admin: ['temporal-system:admin'],
  };
}

/** The client whose roles are the permissions, and the audience Temporal requires (its `audience` setting). */
export const TEMPORAL_AUDIENCE = 'temporal';
/** The client scope that puts `permissions` and the audience into a token. */
const TEMPORAL_SCOPE = 'temporal';

export const UI_CLIENT_ID = 'temporal-ui';

export interface TemporalAccessOptions {
  /** The Temporal namespace the roles are for. */
  namespace: string;
  /** Secrets to set (a stack's); without one Keycloak's is kept or made. */
  workerSecret?: string;
  uiSecret?: string;
  /** The Web UI's sign-in callback (`<ui>/auth/sso/callback`). */
  uiCallbackUrl: string;
  /** Also a service-account client holding `admin`, for a stack's tooling (never a platform's). */
  adminClient?: { clientId: string; secret: string };
  /** The CLI client also takes passwords (a stack's tests); a platform's signs people in by the device flow only. */
  cliPasswordGrant?: boolean;
  /** People to create with a role and a password (a stack's demo users). */
  users?: { username: string; password: string; role: TemporalRole }[];
}

/**
 * Creates, or brings in line, Temporal's access in the realm `admin` points at: the permissions
 * client and its roles, the realm roles, the `temporal` client scope, the worker's service-account
 * client (role worker), the Web UI's sign-in client and the CLI's public client. Run by a realm or
 * master admin, once per realm; safe to run again. Returns the worker client's secret.
 */
export async function ensureTemporalAccess(admin: KcAdminClient, options: TemporalAccessOptions): Promise<{ workerSecret: string }> {
  const permissionsClient = await ensureClient(admin, { clientId: TEMPORAL_AUDIENCE, name: 'Temporal', description: 'Its roles are Temporal permissions', publicClient: false, standardFlowEnabled: false, serviceAccountsEnabled: false, directAccessGrantsEnabled: false });
  const permissions = rolePermissions(options.namespace);
  const clientRoles = new Map<string, RoleRepresentation>();
  for (const name of new Set(Object.values(permissions).flat())) clientRoles.set(name, await ensureClientRole(admin, permissionsClient.id!, name));
  const realmRoles = new Map<TemporalRole, RoleRepresentation>();
  for (const role of TEMPORAL_ROLES) realmRoles.set(role, await ensureRealmRole(admin, role, permissions[role].map((name) => clientRoles.get(name)!)));
  const grantOnly = (userId: string, role: TemporalRole) => holdOnly(admin, userId, realmRoles.get(role)!);

  const scopeId = await ensureTemporalScope(admin);
  const withScope = async (representation: ClientRepresentation) => {
    const client = await ensureClient(admin, representation);
    await admin.clients.addDefaultClientScope({ id: client.id!, clientScopeId: scopeId });
    return client;
  };

  const worker = await withScope({ clientId: TEMPORAL_WORKER_CLIENT_ID, name: 'Kagenti waypoint worker and watcher', publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false, directAccessGrantsEnabled: false, ...(options.workerSecret ? { secret: options.workerSecret } : {}) });
  await grantOnly((await admin.clients.getServiceAccountUser({ id: worker.id! })).id!, 'worker');
  if (options.adminClient) {
    const tooling = await withScope({ clientId: options.adminClient.clientId, name: 'Stack tooling (Temporal admin)', publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false, directAccessGrantsEnabled: false, secret: options.adminClient.secret });
    await grantOnly((await admin.clients.getServiceAccountUser({ id: tooling.id! })).id!, 'admin');
  }
  await withScope({ clientId: UI_CLIENT_ID, name: 'Temporal Web UI', publicClient: false, standardFlowEnabled: true, serviceAccountsEnabled: false, directAccessGrantsEnabled: false, redirectUris: [options.uiCallbackUrl], ...(options.uiSecret ? { secret: options.uiSecret } : {}) });
  await withScope({
    clientId: TEMPORAL_CLI_CLIENT_ID,
    name: 'Kagenti waypoint CLI',
    publicClient: true,
    standardFlowEnabled: false,
    serviceAccountsEnabled: false,
    directAccessGrantsEnabled: options.cliPasswordGrant ?? false,
    attributes: { 'oauth2.device.authorization.grant.enabled': 'true' },
  });

  for (const user of options.users ?? []) await grantOnly(await ensureUser(admin, user.username, user.password), user.role);
  return { workerSecret: (await admin.clients.getClientSecret({ id: worker.id! })).value! };
}

async function ensureClientRole(admin: KcAdminClient, clientUuid: string, name: string): Promise<RoleRepresentation> {
  const existing = await admin.clients.findRole({ id: clientUuid, roleName: name });
  if (existing) return existing;
  await admin.clients.createRole({ id: clientUuid, name }).catch(ignoreConflict);
  return admin.clients.findRole({ id: clientUuid, roleName: name }) as Promise<RoleRepresentation>;
}

/** A realm role made of exactly `composites` (extra ones are taken away). */
async function ensureRealmRole(admin: KcAdminClient, name: string, composites: RoleRepresentation[]): Promise<RoleRepresentation> {
  await admin.roles.create({ name, description: `Temporal: ${name}` }).catch(ignoreConflict);
  const role = (await admin.roles.findOneByName({ name }))!;
  const held = await admin.roles.getCompositeRoles({ id: role.id! });
  const missing = composites.filter((c) => !held.some((h) => h.id === c.id));
  const extra = held.filter((h) => !composites.some((c) => c.id === h.id));
  if (missing.length > 0) await admin.roles.createComposite({ roleId: role.id! }, missing);
  if (extra.length > 0) await admin.roles.delCompositeRoles({ id: role.id! }, extra);
  return role;
}

/** The client scope whose token carries `permissions` (the permissions client's roles) and `aud: temporal`. */
async function ensureTemporalScope(admin: KcAdminClient): Promise<string> {
  await admin.clientScopes.create({ name: TEMPORAL_SCOPE, protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'true' } }).catch(ignoreConflict);
  const scope = (await admin.clientScopes.findOneByName({ name: TEMPORAL_SCOPE }))!;
  const mappers = await admin.clientScopes.listProtocolMappers({ id: scope.id! });
  const wanted = [
    {
      name: 'temporal permissions',
      protocol: 'openid-connect',
      protocolMapper: 'oidc-usermodel-client-role-mapper',
      config: { 'usermodel.clientRoleMapping.clientId': TEMPORAL_AUDIENCE, 'claim.name': 'permissions', 'jsonType.label': 'String', multivalued: 'true', 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
    },
    {
      name: 'temporal audience',
      protocol: 'openid-connect',
      protocolMapper: 'oidc-audience-mapper',
      config: { 'included.client.audience': TEMPORAL_AUDIENCE, 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
    },
  ];
  for (const mapper of wanted) {
    const existing = mappers.find((m) => m.name === mapper.name);
    if (existing) await admin.clientScopes.updateProtocolMapper({ id: scope.id!, mapperId: existing.id! }, { ...existing, ...mapper });
    else await admin.clientScopes.addProtocolMapper({ id: scope.id! }, mapper);
  }
  return scope.id!;
}

/** `userId` holds `role` and no other Temporal role. */
async function holdOnly(admin: KcAdminClient, userId: string, role: RoleRepresentation): Promise<void> {
  const held = await admin.users.listRealmRoleMappings({ id: userId });
  const other = held.filter((r) => (TEMPORAL_ROLES as readonly string[]).includes(r.name!) && r.name !== role.name);
  if (other.length > 0) await admin.users.delRealmRoleMappings({ id: userId, roles: other.map((r) => ({ id: r.id!, name: r.name! })) });
  if (!held.some((r) => r.id === role.id)) await admin.users.addRealmRoleMappings({ id: userId, roles: [{ id: role.id!, name: role.name! }] });
}

/** A person with `password`; returns their user id. */
async function ensureUser(admin: KcAdminClient, username: string, password: string): Promise<string> {
  const find = async () => (await admin.users.find({ username, exact: true }))[0];
  if (!(await find())) {
    await admin.users.create({ username, enabled: true, emailVerified: true, email: `${username}@example.org`, firstName: username, lastName: 'Stack' }).catch(ignoreConflict);
  }
  const user = (await find())!;
  await admin.users.resetPassword({ id: user.id!, credential: { type: 'password', value: password, temporary: false } });
  return user.id!;
}
