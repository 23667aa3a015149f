import { CoordinationV1Api } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsSecretName, waypointGatewayName } from '../../../model/names';
import { removeContainer, runContainer, RunningContainer, shareWithNodeUser, startContainer } from '../../../tools/image/container';
import { BuildResult, buildProjectImage } from '../../../tools/image/project-image';
import { IMAGE } from '../../../tools/image/versions';
import { freePort } from '../../../tools/stack/ports';
import { core, createAgentDeployment, createNamespace, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { adminKubeConfig, adminSecretData, testStack, uniqueName } from '../../harness/stack';

// The image itself: the repository's Dockerfile, unchanged, built with buildah on a local
// node:24-slim (tools/image: Debian's packages plus the project's own Node 24), then its entry
// points started with podman (host network) against the test stack. Layers are cached, so a run
// after the first rebuilds only what changed.
const REPO = join(__dirname, '..', '..', '..');
const DOCKERFILE = join(REPO, 'Dockerfile');
const KUBECONFIG_IN_CONTAINER = '/var/run/kwp/kubeconfig';
const names: string[] = [];
const cleanups: (() => void)[] = [];
let build: BuildResult;

beforeAll(async () => {
  build = await buildProjectImage({ dockerfile: DOCKERFILE });
}, 1_200_000);
afterAll(async () => {
  for (const name of names) await removeContainer(name);
  cleanups.forEach((cleanup) => cleanup());
});

function containerName(role: string): string {
  const name = uniqueName(`kwp-image-${role}`);
  names.push(name);
  return name;
}

/** Ready on /readyz (host network), or a failure with what the container printed if it exited first. */
async function ready(container: RunningContainer, port: number, what: string): Promise<void> {
  const state = await eventually(async () => {
    if (container.child.exitCode !== null) return 'exited';
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? 'ready' : undefined;
  }, 90_000, `the ${what} container to be ready`);
  if (state === 'exited') throw new Error(`the ${what} container exited (${container.child.exitCode}):\n${container.output.join('').slice(-3000)}`);
}

/** SIGTERM to `podman run`, which hands it to the entry point; its exit code and how long it took. */
async function stop(container: RunningContainer): Promise<{ code: number | null; seconds: number }> {
  const started = Date.now();
  container.child.kill('SIGTERM');
  const code = await Promise.race([container.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
  if (code === 'still running') throw new Error(`still running 30 s after SIGTERM:\n${container.output.join('').slice(-3000)}`);
  return { code, seconds: (Date.now() - started) / 1000 };
}

test('the image is the Dockerfile\'s on the local node:24-slim: user node, the worker by default, production dependencies only, no build-time npm settings left', async () => {
  const { facts } = build;
  expect(facts.user).toBe('node');
  expect(facts.cmd).toEqual(['node', 'dist/worker/main.js']);
  expect(facts.env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js']));
  expect(facts.layers).toBeGreaterThan(1);

  const node = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.node;
  const probe = `const fs = require('fs');
    const has = (m) => { try { require.resolve(m); return true; } catch { return false; } };
    console.log(JSON.stringify({ uid: process.getuid(), node: process.version, cwd: process.cwd(), bundle: fs.existsSync(process.env.WORKFLOW_BUNDLE_PATH),
      npmrc: fs.existsSync('/usr/local/etc/npmrc'), worker: has('@temporalio/worker'), typescript: has('typescript'), jest: has('jest') }));`;
  const result = await runContainer({ name: containerName('probe'), command: ['node', '-e', probe] });
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(result.stdout)).toEqual({ uid: IMAGE.nodeUid, node: `v${node}`, cwd: '/app', bundle: true, npmrc: false, worker: true, typescript: false, jest: false });
});

test('from the image, the watcher becomes leader and the worker provisions a namespace; both stop on SIGTERM with exit code 0 within seconds', async () => {
  const stack = testStack();
  const operatorNamespace = uniqueName('op-image');
  await createNamespace(operatorNamespace);
  await core.createNamespacedConfigMap({ namespace: operatorNamespace, body: { metadata: { name: 'kagenti-operator-config' }, data: { KEYCLOAK_URL: stack.keycloak.url, KEYCLOAK_REALM: stack.keycloak.realm } } });
  await core.createNamespacedSecret({
    namespace: operatorNamespace,
    body: { metadata: { name: 'keycloak-admin-secret' }, stringData: adminSecretData() },
  });
  // The kubeconfig is root's (0600); the image runs as `node`.
  const kubeconfig = shareWithNodeUser(stack.kubernetes.kubeconfig);
  cleanups.push(kubeconfig.remove);
  const common = {
    KUBECONFIG: KUBECONFIG_IN_CONTAINER,
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('image'),
    OPERATOR_NAMESPACE: operatorNamespace,
    RETRY_INTERVAL: '2',
    WAYPOINT_READY_TIMEOUT: '5',
    KEYCLOAK_AUDIT_INTERVAL: '0',
    METRICS_PORT: '0',
  };
  const mounts = { [kubeconfig.path]: KUBECONFIG_IN_CONTAINER };
  const [workerPort, watcherPort] = [await freePort(), await freePort()];
  const identity = uniqueName('watcher-image');
  const worker = startContainer({ name: containerName('worker'), env: { ...common, HEALTH_PORT: String(workerPort) }, mounts });
  const watcher = startContainer({ name: containerName('watcher'), env: { ...common, HEALTH_PORT: String(watcherPort), POD_NAME: identity }, mounts, command: ['node', 'dist/watcher/main.js'] });
  let stopped: { worker?: { code: number | null; seconds: number }; watcher?: { code: number | null; seconds: number } };
  try {
    await ready(worker, workerPort, 'worker');
    await ready(watcher, watcherPort, 'watcher');
    const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);
    const holder = await eventually(async () => {
      const lease = await coordination.readNamespacedLease({ namespace: operatorNamespace, name: 'kagenti-waypoint-watcher' });
      return lease.spec?.holderIdentity === identity ? identity : undefined;
    }, 30_000, 'the watcher in the image to hold the Lease');
    expect(holder).toBe(identity);

    const namespace = uniqueName('team-image');
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent');
    const labels = await eventually(async () => {
      const ns = await core.readNamespace({ name: namespace });
      return ns.metadata?.labels?.['istio.io/use-waypoint'] ? ns.metadata.labels : undefined;
    }, 60_000, 'the ambient labels');
    expect(labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': waypointGatewayName(namespace) });
    const gateway = await eventually(() => readGateway(namespace, waypointGatewayName(namespace)), 30_000, 'the waypoint Gateway');
    expect(gateway.spec.gatewayClassName).toBe('istio-waypoint');
    const secret = await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), 60_000, 'the credentials Secret');
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['client-id.txt', 'client-secret.txt']);
  } finally {
    stopped = { worker: await stop(worker), watcher: await stop(watcher) };
  }
  expect(stopped.worker).toEqual({ code: 0, seconds: expect.any(Number) });
  expect(stopped.watcher).toEqual({ code: 0, seconds: expect.any(Number) });
  expect(stopped.worker!.seconds).toBeLessThan(10);
  expect(stopped.watcher!.seconds).toBeLessThan(10);
  expect(worker.output.join('')).toContain('"msg":"Worker stopped"');
  expect(watcher.output.join('')).toMatch(/"identity":"[^"]+","msg":"Became leader"[\s\S]*"msg":"Watcher stopped"/);
}, 300_000);

test('the CLI entry point runs from the image and reads from Temporal', async () => {
  const { temporal } = testStack();
  const help = await runContainer({ name: containerName('cli'), command: ['node', 'dist/cli/main.js', '--help'] });
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('migrate <namespace>');
  const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace };
  const list = await runContainer({ name: containerName('cli'), env, command: ['node', 'dist/cli/main.js', 'list'] });
  expect({ code: list.code, stderr: list.code === 0 ? '' : list.stderr }).toEqual({ code: 0, stderr: '' });
  expect(list.stdout.trim()).not.toBe('');
  // A namespace with no migration is reported as such: the answer came from the Temporal server.
  const status = await runContainer({ name: containerName('cli'), env, command: ['node', 'dist/cli/main.js', 'status', uniqueName('none')] });
  expect(status.code).toBe(1);
  expect(status.stderr).toMatch(/no migration of none-[0-9a-f]+ is known \(workflow ns-migration\/none-/);
}, 120_000);
