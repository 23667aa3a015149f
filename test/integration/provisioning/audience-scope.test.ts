import { credentialsSecretName } from '../../../model/names';
import { audienceScopeId } from '../../../activities/keycloak/client-scopes';
import { audienceScopeName } from '../../../model/names';
import { apps, core, createAgentDeployment, createNamespace, provisionerEvents, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';

// Where the audience scopes go. By default, to the platform client only. The reference (spec §5)
// also makes each one a realm default scope, which KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT=true
// restores: Keycloak copies realm default scopes onto every client created later, so each later
// client's tokens carry the audience of every earlier agent.
// The stack's real istiod programs the waypoints.
const provisioner = provisionedSuite();

async function provisionAgent(namespace: string, workload: string): Promise<void> {
  await createAgentDeployment(namespace, workload);
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, workload)), 30_000, `the credentials Secret of ${namespace}/${workload}`);
}

const scopeId = (namespace: string, workload: string) => audienceScopeId(audienceScopeName(namespace, workload));

async function realmDefaultIds(): Promise<string[]> {
  return (await (await keycloakAdmin()).clientScopes.listDefaultClientScopes()).map((s) => s.id!);
}

async function clientDefaultIds(clientId: string): Promise<string[]> {
  const admin = await keycloakAdmin();
  const [client] = await admin.clients.find({ clientId });
  return (await admin.clients.listDefaultClientScopes({ id: client.id! })).map((s) => s.id!);
}

/** Two agent namespaces provisioned one after the other. */
async function twoAgents(prefix: string): Promise<[string, string]> {
  const first = uniqueName(`${prefix}-first`);
  const second = uniqueName(`${prefix}-second`);
  await createNamespace(first);
  await provisionAgent(first, 'agent');
  await createNamespace(second);
  await provisionAgent(second, 'agent');
  return [first, second];
}

test('by default audience scopes go to the platform client only: a later agent client does not get an earlier agent audience', async () => {
  const [first, second] = await twoAgents('aud');

  const realmDefaults = await realmDefaultIds();
  expect(realmDefaults).not.toContain(scopeId(first, 'agent'));
  expect(realmDefaults).not.toContain(scopeId(second, 'agent'));
  expect(await clientDefaultIds('kagenti')).toEqual(expect.arrayContaining([scopeId(first, 'agent'), scopeId(second, 'agent')]));
  expect(await clientDefaultIds(`${second}/agent`)).not.toContain(scopeId(first, 'agent'));
});

test('an audience scope found among the realm defaults (the reference placement) is taken out of them', async () => {
  const admin = await keycloakAdmin();
  const namespace = uniqueName('aud-switch');
  await createNamespace(namespace);
  await provisionAgent(namespace, 'one');
  await admin.clientScopes.addDefaultClientScope({ id: scopeId(namespace, 'one') });

  // Any change to the namespace brings a pass; a second agent is one.
  await provisionAgent(namespace, 'two');
  await eventually(async () => ((await realmDefaultIds()).includes(scopeId(namespace, 'one')) ? undefined : true), 20_000, 'the scope to leave the realm defaults');
});

test('KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT=true: realm default scopes, as the reference, with the earlier audience on a later client', async () => {
  const operatorNamespace = provisioner().settings.operatorNamespace;
  const config = { KEYCLOAK_URL: testStack().keycloak.url, KEYCLOAK_REALM: testStack().keycloak.realm };
  const setConfig = (data: Record<string, string>) =>
    core.replaceNamespacedConfigMap({ namespace: operatorNamespace, name: 'kagenti-operator-config', body: { metadata: { name: 'kagenti-operator-config' }, data } });
  await setConfig({ ...config, KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT: 'true' });
  try {
    const [first, second] = await twoAgents('aud-realm');
    expect(await realmDefaultIds()).toEqual(expect.arrayContaining([scopeId(first, 'agent'), scopeId(second, 'agent')]));
    expect(await clientDefaultIds('kagenti')).toEqual(expect.arrayContaining([scopeId(first, 'agent'), scopeId(second, 'agent')]));
    // The hazard the default avoids: Keycloak copied the first agent's audience onto the second client.
    expect(await clientDefaultIds(`${second}/agent`)).toContain(scopeId(first, 'agent'));

    // Deleting the namespaces removes their scopes, from the realm defaults too; later test files start clean.
    await Promise.all([first, second].map((name) => core.deleteNamespace({ name })));
    await eventually(
      async () => ((await realmDefaultIds()).some((id) => id === scopeId(first, 'agent') || id === scopeId(second, 'agent')) ? undefined : true),
      60_000,
      'both scopes to leave the realm defaults',
    );
  } finally {
    await setConfig(config);
  }
});

describe('scope names that cannot collide, and scopes the provisioner owns', () => {
  /** Every scope of the realm whose audience mapper names `clientId`. */
  async function scopesFor(clientId: string) {
    const scopes = await (await keycloakAdmin()).clientScopes.find();
    return scopes.filter((s) => s.protocolMappers?.some((m) => m.config?.['included.custom.audience'] === clientId));
  }

  /** The audiences in an access token of the platform client (its default scopes add them). */
  async function platformTokenAudiences(): Promise<string[]> {
    const { url, realm, platformClientId } = testStack().keycloak;
    const admin = await keycloakAdmin();
    const [platform] = await admin.clients.find({ clientId: platformClientId });
    const secret = (await admin.clients.getClientSecret({ id: platform.id! })).value!;
    const response = await fetch(`${url}/realms/${realm}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: platformClientId, client_secret: secret }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const { aud } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { aud?: string | string[] };
    return aud === undefined ? [] : [aud].flat();
  }

  test("namespace a-b with workload c and namespace a with workload b-c get a scope each, and removing one leaves the other's", async () => {
    const a = uniqueName('pair');
    const ab = `${a}-b`;
    await Promise.all([createNamespace(a), createNamespace(ab)]);
    await provisionAgent(ab, 'c');
    await provisionAgent(a, 'b-c');
    const [first] = await scopesFor(`${ab}/c`);
    const [second] = await scopesFor(`${a}/b-c`);
    expect(first.name).toBe(`agent-${ab}/c-aud`);
    expect(second.name).toBe(`agent-${a}/b-c-aud`);
    expect(first.id).not.toBe(second.id);

    await apps.deleteNamespacedDeployment({ namespace: ab, name: 'c' });
    await eventually(async () => ((await scopesFor(`${ab}/c`)).length === 0 ? true : undefined), 30_000, `the scope of ${ab}/c to go`);
    expect((await scopesFor(`${a}/b-c`)).map((s) => s.id)).toEqual([second.id]);
  });

  test("a scope the reference made under the spec's name is adopted: renamed and marked in place, and the platform token keeps the audience throughout", async () => {
    const admin = await keycloakAdmin();
    const namespace = uniqueName('adopt');
    const clientId = `${namespace}/agent`;
    // What the reference operator leaves: its client and its scope, unmarked, the scope a default scope of the platform client.
    await admin.clients.create({ clientId, publicClient: false, serviceAccountsEnabled: true });
    const { id } = await admin.clientScopes.create({
      name: `agent-${namespace}-agent-aud`,
      protocol: 'openid-connect',
      protocolMappers: [{ name: 'audience', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper', config: { 'included.custom.audience': clientId, 'access.token.claim': 'true' } }],
    });
    const [platform] = await admin.clients.find({ clientId: testStack().keycloak.platformClientId });
    await admin.clients.addDefaultClientScope({ id: platform.id!, clientScopeId: id });
    expect(await platformTokenAudiences()).toContain(clientId);

    await createNamespace(namespace);
    await provisionAgent(namespace, 'agent');
    const scopes = await scopesFor(clientId);
    expect(scopes).toHaveLength(1);
    expect(scopes[0]).toMatchObject({ id, name: `agent-${namespace}/agent-aud`, attributes: expect.objectContaining({ 'kagenti.io/namespace': namespace, 'kagenti.io/workload': 'agent' }) });
    expect(await clientDefaultIds(testStack().keycloak.platformClientId)).toContain(id);
    expect(await platformTokenAudiences()).toContain(clientId);
  });

  test("a scope of its name that someone else made is reported on the workload and left as it was", async () => {
    const admin = await keycloakAdmin();
    const namespace = uniqueName('taken');
    const name = `agent-${namespace}/agent-aud`;
    const { id } = await admin.clientScopes.create({ name, protocol: 'openid-connect', description: 'made by hand', attributes: { owner: 'someone' } });
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent');
    const warning = await eventually(async () => (await provisionerEvents(namespace)).find((e) => e.reason === 'KeycloakNameTaken'), 30_000, 'a Warning KeycloakNameTaken');
    expect(warning).toMatchObject({ type: 'Warning', involvedObject: expect.objectContaining({ kind: 'Deployment', name: 'agent' }) });
    expect(warning.message).toContain(`Keycloak client scope ${name} exists and is not made by the provisioner`);
    const scope = await admin.clientScopes.findOne({ id });
    expect(scope).toMatchObject({ name, description: 'made by hand', attributes: { owner: 'someone' } });
    expect(scope?.protocolMappers ?? []).toHaveLength(0);
    expect((await admin.clientScopes.find()).filter((s) => s.name === name)).toHaveLength(1);
  });
});
