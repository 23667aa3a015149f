import { credentialsSecretName } from '../../model/names';
import { startStoppedComponent, stopComponent } from '../../tools/stack/stack';
import { allCredentialsSecrets, core, createAgentDeployment, createNamespace, decode, readSecretOrUndefined } from '../harness/cluster';
import { provisionedSuite } from '../harness/provisioned-suite';
import { keycloakAdmin, temporalClient, testStack, uniqueName } from '../harness/stack';

// PostgreSQL holds both Temporal's state and Keycloak's realms. It is stopped while namespaces are
// being provisioned and started again: Temporal and Keycloak come back on their own, the work
// started before resumes, and namespaces created while it was down are provisioned too.
provisionedSuite();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createAgents(namespaces: string[]): Promise<void> {
  await Promise.all(namespaces.map(async (ns) => {
    await createNamespace(ns);
    await createAgentDeployment(ns, 'agent');
  }));
}

test('a restart of PostgreSQL mid-burst: Temporal and Keycloak come back and every namespace is provisioned once', async () => {
  const stack = testStack();
  const prefix = uniqueName('prod-pg');
  const before = Array.from({ length: 4 }, (_, i) => `${prefix}-a${i}`);
  const during = Array.from({ length: 3 }, (_, i) => `${prefix}-b${i}`);

  await createAgents(before);
  const unfinished = await Promise.all(before.map(async (ns) => !(await readSecretOrUndefined(ns, credentialsSecretName(ns, 'agent')))));
  await stopComponent(stack.dir, 'postgresql');
  const stopped = Date.now();
  let back: number;
  try {
    // Mid-burst: some of the first namespaces were still to be provisioned when it began to stop.
    expect(unfinished.filter(Boolean).length).toBeGreaterThan(0);
    await createAgents(during);
    await sleep(15_000);
  } finally {
    await startStoppedComponent(stack.dir, 'postgresql');
    back = Date.now();
  }
  console.log(`PostgreSQL was down for ${((back - stopped) / 1000).toFixed(1)} s`);

  await allCredentialsSecrets([...before, ...during], 180_000);
  console.log(`Every namespace provisioned ${((Date.now() - back) / 1000).toFixed(1)} s after PostgreSQL was back`);

  // Temporal answers again, and each namespace has exactly one workflow run open and one client.
  const { client, connection } = await temporalClient();
  try {
    for (const ns of [...before, ...during]) {
      const runs = [];
      for await (const run of client.workflow.list({ query: `ProvisionerNamespace = '${ns}' AND ExecutionStatus = 'Running'` })) runs.push(run);
      expect({ ns, running: runs.length }).toEqual({ ns, running: 1 });
    }
  } finally {
    await connection.close();
  }
  const admin = await keycloakAdmin();
  for (const ns of [...before, ...during]) {
    const clients = await admin.clients.find({ clientId: `${ns}/agent` });
    expect({ ns, clients: clients.length }).toEqual({ ns, clients: 1 });
    const secret = await core.readNamespacedSecret({ namespace: ns, name: credentialsSecretName(ns, 'agent') });
    expect(decode(secret.data!['client-secret.txt'])).toBe((await admin.clients.getClientSecret({ id: clients[0].id! })).value);
  }
}, 300_000);
