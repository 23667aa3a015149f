import { audienceScopeId } from '../../../activities/keycloak/client-scopes';
import { audienceScopeName } from '../../../model/names';
import { provisionAgent } from '../../harness/cluster';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';

// The worker remembers each platform client's internal id; a platform client deleted and created
// anew (a new id) must still receive the audience scopes of later registrations.
// The stack's real istiod programs the waypoints.
const platformClientId = uniqueName('platform');
provisionedSuite({
  operatorConfig: { KEYCLOAK_URL: testStack().keycloak.url, KEYCLOAK_REALM: testStack().keycloak.realm, PLATFORM_CLIENT_IDS: platformClientId },
});

async function createPlatformClient(): Promise<string> {
  const admin = await keycloakAdmin();
  return (await admin.clients.create({ clientId: platformClientId, publicClient: false, serviceAccountsEnabled: true })).id;
}

async function defaultScopeIds(platformId: string): Promise<string[]> {
  const admin = await keycloakAdmin();
  return (await admin.clients.listDefaultClientScopes({ id: platformId })).map((s) => s.id!);
}

test('a platform client created anew still gets the audience scopes of later registrations', async () => {
  const first = await createPlatformClient();
  const before = await provisionAgent('platform-a');
  expect(await defaultScopeIds(first)).toContain(audienceScopeId(audienceScopeName(before, 'agent')));

  const admin = await keycloakAdmin();
  await admin.clients.del({ id: first });
  const second = await createPlatformClient();
  expect(second).not.toBe(first);

  const after = await provisionAgent('platform-b');
  expect(await defaultScopeIds(second)).toContain(audienceScopeId(audienceScopeName(after, 'agent')));
});
