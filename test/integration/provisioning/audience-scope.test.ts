import { credentialsSecretName } from '../../../activities/kubernetes/desired';
import { audienceScopeId } from '../../../activities/keycloak/client-scopes';
import { audienceScopeName } from '../../../activities/keycloak/desired';
import { createAgentDeployment, createNamespace, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';

// With KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT=false the audience scopes go to the platform client
// only: Keycloak copies realm default scopes onto every client created later, so with the spec's
// default each later client's tokens carry the audience of every earlier agent.
// Istio cannot run here: a stand-in marks waypoints Programmed (tools/local/istio-stand-in.ts).
provisionedSuite({
  operatorConfig: { KEYCLOAK_URL: testStack().keycloak.url, KEYCLOAK_REALM: testStack().keycloak.realm, KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT: 'false' },
});

async function provisionAgent(namespace: string, workload: string): Promise<void> {
  await createAgentDeployment(namespace, workload);
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, workload)), 30_000, `the credentials Secret of ${namespace}/${workload}`);
}

const scopeId = (namespace: string, workload: string) => audienceScopeId(audienceScopeName(namespace, workload));

test('audience scopes only on the platform client: a later agent client does not get an earlier agent audience', async () => {
  const admin = await keycloakAdmin();
  const [platform] = await admin.clients.find({ clientId: 'kagenti' });
  const first = uniqueName('aud-first');
  const second = uniqueName('aud-second');
  await createNamespace(first);
  await provisionAgent(first, 'agent');
  await createNamespace(second);
  await provisionAgent(second, 'agent');

  const realmDefaults = (await admin.clientScopes.listDefaultClientScopes()).map((s) => s.id);
  expect(realmDefaults).not.toContain(scopeId(first, 'agent'));
  expect(realmDefaults).not.toContain(scopeId(second, 'agent'));
  const platformDefaults = (await admin.clients.listDefaultClientScopes({ id: platform.id! })).map((s) => s.id);
  expect(platformDefaults).toEqual(expect.arrayContaining([scopeId(first, 'agent'), scopeId(second, 'agent')]));
  const [secondClient] = await admin.clients.find({ clientId: `${second}/agent` });
  expect((await admin.clients.listDefaultClientScopes({ id: secondClient.id! })).map((s) => s.id)).not.toContain(scopeId(first, 'agent'));
});

test('an audience scope found among the realm defaults (the spec default before) is taken out of them', async () => {
  const admin = await keycloakAdmin();
  const namespace = uniqueName('aud-switch');
  await createNamespace(namespace);
  await provisionAgent(namespace, 'one');
  await admin.clientScopes.addDefaultClientScope({ id: scopeId(namespace, 'one') });

  // Any change to the namespace brings a pass; a second agent is one.
  await provisionAgent(namespace, 'two');
  await eventually(
    async () => ((await admin.clientScopes.listDefaultClientScopes()).some((s) => s.id === scopeId(namespace, 'one')) ? undefined : true),
    20_000,
    'the scope to leave the realm defaults',
  );
});
