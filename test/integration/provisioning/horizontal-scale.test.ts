import { credentialsSecretName } from '../../../model/names';
import { allCredentialsSecrets, changeCounts, core, createAgentDeployment, createNamespace, decode } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { startProvisioner, TestProvisioner } from '../../harness/provisioner';
import { keycloakAdmin, uniqueName } from '../../harness/stack';
import { startProvisionerProcess, WorkerProcess } from '../../harness/worker-process';

// Two worker processes and two watcher processes (one leader, by Lease) on one task queue, as a
// scaled-out deployment runs. A burst spreads over both workers; one worker and then the leading
// watcher are SIGKILLed mid-burst; nothing is lost and nothing is done twice.
const NAMESPACES = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let provisioner: TestProvisioner | undefined;
const workers: WorkerProcess[] = [];
const watchers: WorkerProcess[] = [];

beforeAll(async () => {
  provisioner = await startProvisioner({ inProcessWorker: false, inProcessWatcher: false });
  for (let i = 0; i < 2; i++) workers.push(startProvisionerProcess('worker', provisioner.settings, []));
  for (let i = 0; i < 2; i++) watchers.push(startProvisionerProcess('watcher', provisioner.settings, []));
});
afterAll(async () => {
  for (const p of [...workers, ...watchers]) p.child.kill('SIGTERM');
  await Promise.all([...workers, ...watchers].map((p) => p.exited));
  await provisioner?.stop();
});

const printed = (p: WorkerProcess, text: string) => p.output.join('').includes(text);
/** The namespaces a worker's log says it created a Keycloak client for. */
const registeredBy = (p: WorkerProcess) => new Set([...p.output.join('').matchAll(/"namespace":"([^"]+)"[^\n]*"msg":"Created Keycloak client"/g)].map((m) => m[1]));

test(`a ${NAMESPACES}-namespace burst spreads over two workers and survives a SIGKILL of one worker and of the leading watcher`, async () => {
  const leader = await eventually(async () => watchers.find((w) => printed(w, 'Became leader')), 30_000, 'a leading watcher');
  const standby = watchers.find((w) => w !== leader)!;
  await eventually(async () => (printed(leader, 'Took over') ? true : undefined), 30_000, 'the leader to take over');
  // Both workers poll before the burst: a worker killed while it was still starting would never
  // print the 'Worker started' that the restart is recognised by.
  await eventually(async () => (workers.every((w) => printed(w, 'Worker started')) ? true : undefined), 60_000, 'both workers to start');

  const prefix = uniqueName('scale');
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `${prefix}-${i}`);
  const create = async (names: string[]) => {
    for (let i = 0; i < names.length; i += 8) {
      await Promise.all(names.slice(i, i + 8).map(async (ns) => {
        await createNamespace(ns);
        await createAgentDeployment(ns, 'agent');
      }));
    }
  };
  // The first half of the burst meets the SIGKILLs; the second half comes once the worker started
  // anew is polling, so both workers are there to share it (how the first half splits is up to
  // timing: the restarted worker may come up after the other has taken all of it).
  const creatingFirstHalf = create(namespaces.slice(0, NAMESPACES / 2));
  await sleep(2000);
  workers[0].child.kill('SIGKILL');
  await workers[0].exited;
  workers[0] = startProvisionerProcess('worker', provisioner!.settings, workers[0].output);
  await eventually(async () => (workers[0].output.join('').split('Worker started').length > 2 ? true : undefined), 60_000, 'the restarted worker');
  leader.child.kill('SIGKILL');
  await creatingFirstHalf;
  await create(namespaces.slice(NAMESPACES / 2));

  // The standby takes over once the dead leader's Lease expires, and tells what is not settled yet.
  await eventually(async () => (printed(standby, 'Became leader') ? true : undefined), 40_000, 'the standby watcher to lead');
  const secretNames = new Map(namespaces.map((ns) => [ns, credentialsSecretName(ns, 'agent')]));
  await allCredentialsSecrets(namespaces, 180_000);

  // Both workers did part of the work (the second one of them after it was started anew).
  expect(registeredBy(workers[1]).size).toBeGreaterThan(0);
  expect(registeredBy(workers[0]).size).toBeGreaterThan(0);

  const admin = await keycloakAdmin();
  for (const ns of namespaces) {
    // Exactly one client and a Secret that matches it; no step reported twice, and nothing written
    // twice (a second Secret or client write would be reported as Updated). Every change is
    // reported exactly once: a pass retried after its worker died finds its own mark on what it
    // made (labels, Gateway, client, Secret) and re-applies the annotation it saw missing.
    const clients = await admin.clients.find({ clientId: `${ns}/agent` });
    expect(clients).toHaveLength(1);
    const secret = await core.readNamespacedSecret({ namespace: ns, name: secretNames.get(ns)! });
    expect(decode(secret.data!['client-secret.txt'])).toBe((await admin.clients.getClientSecret({ id: clients[0].id! })).value);
    // The Events follow the Secret (recorded once the registration's result is in the history).
    const reported = ['AmbientLabelsSet', 'WaypointCreated', 'KeycloakClientCreated', 'CredentialsSecretCreated', 'CredentialsAnnotated'];
    const provisionerEvents = async () => (await core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.source?.component === 'kagenti-waypoint-provisioner');
    const events = await eventually(async () => {
      const found = await provisionerEvents();
      return reported.every((reason) => changeCounts(found)(reason) > 0) ? found : undefined;
    }, 30_000, `the Events of ${ns}`).catch(provisionerEvents);
    const count = changeCounts(events);
    for (const reason of reported) expect({ ns, reason, count: count(reason) }).toEqual({ ns, reason, count: 1 });
    for (const reason of ['KeycloakClientUpdated', 'CredentialsSecretUpdated']) expect({ ns, reason, count: count(reason) }).toEqual({ ns, reason, count: 0 });
  }
}, 300_000);
