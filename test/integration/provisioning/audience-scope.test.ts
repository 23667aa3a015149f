import { credentialsSecretName } from '../../../model/names';
import { audienceScopeId } from '../../../activities/keycloak/client-scopes';
import { audienceScopeName } from '../../../model/names';
import { core, createAgentDeployment, createNamespace, readSecretOrUndefined } from '../../harness/cluster';
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
