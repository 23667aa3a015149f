import { isNotFound } from '../../../model/errors';
import { MANAGED_SELECTOR } from '../../../model/labels';
import { credentialsSecretName } from '../../../model/names';
import { restart } from '../../../tools/stack/stack';
import { allCredentialsSecrets, core, createAgentDeployment, createNamespace, decode, eventReasons, provisionAgent, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';

// The servers the provisioner depends on restart under it: each test prints how long the
// provisioner took to heal and checks that nothing is lost or duplicated. The audit runs every 5 s,
// as it would find a restored realm within its interval. The stack's real istiod programs the
// waypoints.
provisionedSuite({ settings: { keycloakAuditIntervalSeconds: 5 } });

/**
 * The shared test stack holds the namespaces of every earlier suite, whose Secrets an empty realm
 * would put out of line too: they go first, so the test times this provisioner's own namespaces.
 */
async function deleteOtherAgentNamespaces(keep: string[]): Promise<void> {
  const others = async () =>
    new Set(
      (await core.listSecretForAllNamespaces({ labelSelector: MANAGED_SELECTOR })).items
        .map((s) => s.metadata!.namespace!)
        .filter((ns) => !keep.includes(ns)),
    );
  for (const namespace of await others()) {
    await core.deleteNamespace({ name: namespace }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
  await eventually(async () => ((await others()).size === 0 ? true : undefined), 300_000, 'the earlier suites\' agent namespaces to be gone');
}
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function clientsOf(namespace: string) {
  return (await keycloakAdmin()).clients.find({ clientId: `${namespace}/agent` });
}

test('Keycloak restarted with its realm gone (in-memory database): every client is recreated and every Secret carries its new secret', async () => {
  const namespaces = await Promise.all([0, 1, 2].map((i) => provisionAgent(`realm-gone-${i}`)));
  const before = new Map(await Promise.all(namespaces.map(async (ns) => [ns, (await clientsOf(ns))[0].id!] as const)));
  await deleteOtherAgentNamespaces(namespaces);
  const restarted = Date.now();
  await restart(testStack().dir, 'keycloak');
  const back = Date.now();
  for (const namespace of namespaces) expect(await clientsOf(namespace)).toEqual([]);
  await eventually(async () => {
    for (const namespace of namespaces) {
      const clients = await clientsOf(namespace);
      if (clients.length !== 1 || clients[0].id === before.get(namespace)) return undefined;
      const value = (await (await keycloakAdmin()).clients.getClientSecret({ id: clients[0].id! })).value;
      const secret = await readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent'));
      if (decode(secret?.data?.['client-secret.txt']) !== value) return undefined;
    }
    return true;
  }, 90_000, 'every client recreated and every Secret carrying its new secret');
  console.log(`Keycloak restarted with an empty realm: back after ${seconds(back - restarted)}, every namespace healed ${seconds(Date.now() - back)} after that`);
  for (const namespace of namespaces) expect(await clientsOf(namespace)).toHaveLength(1);
}, 600_000);

test('etcd restarted: nothing provisioned is lost, and a namespace created after it is provisioned', async () => {
  const earlier = await provisionAgent('etcd-before');
  const secretBefore = await readSecretOrUndefined(earlier, credentialsSecretName(earlier, 'agent'));
  const restarted = Date.now();
  await restart(testStack().dir, 'etcd');
  const namespace = uniqueName('etcd-after');
  await eventually(async () => createNamespace(namespace).then(() => true, () => undefined), 60_000, 'the apiserver to take writes again');
  await createAgentDeployment(namespace, 'agent');
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), 60_000, 'the new namespace provisioned');
  console.log(`etcd restarted: a new namespace provisioned ${seconds(Date.now() - restarted)} after the restart began`);
  expect((await readSecretOrUndefined(earlier, credentialsSecretName(earlier, 'agent')))?.metadata?.uid).toBe(secretBefore?.metadata?.uid);
  expect(await clientsOf(namespace)).toHaveLength(1);
}, 180_000);

test('the Temporal server restarted during a burst of 20 namespaces: each is provisioned exactly once', async () => {
  const prefix = uniqueName('tburst');
  const namespaces = Array.from({ length: 20 }, (_, i) => `${prefix}-${i}`);
  const started = Date.now();
  const creating = (async () => {
    for (const namespace of namespaces) {
      await createNamespace(namespace);
      await createAgentDeployment(namespace, 'agent');
    }
  })();
  // Mid-burst: some namespaces are being provisioned, others not yet created.
  await eventually(async () => ((await core.listNamespace()).items.filter((n) => n.metadata?.name?.startsWith(prefix)).length >= 8 ? true : undefined), 60_000, 'eight of the burst created');
  await restart(testStack().dir, 'temporal');
  const back = Date.now();
  await creating;
  await allCredentialsSecrets(namespaces, 120_000);
  console.log(`Temporal restarted mid-burst: back after ${seconds(back - started)} from the burst's start, all 20 provisioned ${seconds(Date.now() - back)} after that`);
  for (const namespace of namespaces) {
    expect(await clientsOf(namespace)).toHaveLength(1);
    const reasons = await eventReasons(namespace);
    // Events are keyed per pass and step: a replayed or retried step does not record one twice.
    // (A registration whose completion the restart lost is tried again and finds its work done:
    // its Events say nothing was changed, so its KeycloakClientCreated can be missing, never doubled.)
    expect(reasons.filter((r) => r === 'WaypointCreated')).toHaveLength(1);
    expect(reasons.filter((r) => r === 'KeycloakClientCreated').length).toBeLessThanOrEqual(1);
  }
}, 300_000);
