import { CoordinationV1Api, KubernetesObject, KubernetesObjectApi, loadAllYaml, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Client, ConnectionLike } from '@temporalio/client';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound } from '../../model/errors';
import { credentialsSecretName, TEMPORAL_CLIENT_SECRET, waypointGatewayName } from '../../model/names';
import { namespaceWorkflowId } from '../../model/workflow-ids';
import { freePort } from '../../tools/stack/ports';
import { prepareOperatorNamespace } from '../../tools/local/operator-namespace';
import { bootstrapStackKeycloak } from '../../tools/stack/keycloak-bootstrap';
import { apps, core, createAgentDeployment, createNamespace, decode, eventReasons, readGateway, readSecretOrUndefined } from '../harness/cluster';
import { eventually } from '../harness/eventually';
import {
  containerEnvironment,
  ensurePodSecretsMountPoint,
  imageEnvironment,
  logLines,
  processView,
  startInClusterProcess,
  writeServiceAccountFiles,
  writeVolumeFiles,
} from '../harness/in-cluster';
import { runCommand } from '../harness/migration';
import { adminKubeConfig, keycloakAdmin, temporalClient, testStack, uniqueName } from '../harness/stack';
import { temporalTokenUrl } from '../harness/temporal-access';
import type { WorkerProcess } from '../harness/worker-process';
import { STACK_TLS_SERVER_NAME } from '../../tools/stack/production/stack-ca';

// deploy/base applied as a whole to the production stack's kube-apiserver with kubectl's built-in
// kustomize, then the worker and the watcher started as the base's pods would run them: the
// command, env and securityContext read back from the applied Deployments, the pod's
// ServiceAccount token (TokenRequest API, bound to the pod), namespace and the cluster CA in files
// at the standard in-cluster path, KUBERNETES_SERVICE_HOST/PORT in the environment, no kubeconfig,
// and the pod's Secret and ConfigMap volumes (the CAs, the Temporal client's secret) as files at
// their mount paths. Each process has its own mount namespace in which scratch folders are mounted
// at those paths, so the product's own loadKubeConfig('') -> loadFromCluster() and its Temporal
// settings read them, unchanged. The production stack's Temporal takes TLS and tokens only: the
// processes reach it only through what the base mounts.
//
// kwok plays the kubelet here: the Deployments' pods show as Running, but nothing runs in them.
// The processes this test starts on the machine (one of each, playing the first pod of each
// Deployment) are what runs the provisioner.
const REPO = join(__dirname, '..', '..');
const BASE = join(REPO, 'deploy', 'base');
const NAMESPACE = 'kagenti-system';
const LEASE = 'kagenti-waypoint-watcher';
/** Marks the operator namespace as this test's, so that a leftover of an interrupted run may be removed and nobody else's is. */
const OWNER = 'test.kagenti.io/owner';

const stack = testStack();
const kubeconfig = stack.kubernetes.kubeconfig;
const kubectl = (...args: string[]) => runCommand('kubectl', ['--kubeconfig', kubeconfig, ...args]);
const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
const leases = adminKubeConfig().makeApiClient(CoordinationV1Api);
const taskQueue = uniqueName('kustomize-base');
const CLUSTER_SCOPED_UNKNOWN_TO_KUSTOMIZE = new Set(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A process's warnings and errors, one line each: what failed and why. */
function warnings(output: string[]): string[] {
  return logLines(output)
    .filter((line) => line.level >= 40)
    .map((line) => [line.msg, line.activityType, line.error?.type, line.error?.code && `HTTP ${line.error.code}`, line.err ?? line.error?.message].filter(Boolean).join(': '))
    .filter((line, i, all) => all.indexOf(line) === i);
}

let rendered: KubernetesObject[];
let temporal: Client;
let temporalConnection: ConnectionLike;
let scratch: string;
let removeMountPoint: (() => void) | undefined;
const processes: Record<'worker' | 'watcher', { process: WorkerProcess; pod: V1Pod; healthPort: number } | undefined> = { worker: undefined, watcher: undefined };

async function removeBase(): Promise<void> {
  await kubectl('delete', '-k', BASE, '--ignore-not-found', '--wait=true');
  await eventually(async () => {
    try {
      await core.readNamespace({ name: NAMESPACE });
      return undefined;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
  }, 60_000, `namespace ${NAMESPACE} to be gone`);
}

beforeAll(async () => {
  removeMountPoint = ensurePodSecretsMountPoint();
  scratch = mkdtempSync(join(tmpdir(), 'kwp-kustomize-'));
  ({ client: temporal, connection: temporalConnection } = await temporalClient());
  rendered = loadAllYaml((await kubectl('kustomize', BASE)).stdout) as KubernetesObject[];
  // The operator namespace is the base's own: refuse to take one that is someone else's (npm start's).
  const existing = await core.readNamespace({ name: NAMESPACE }).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (existing && existing.metadata?.annotations?.[OWNER] !== 'kustomize-base-test') {
    throw new Error(`namespace ${NAMESPACE} already exists on this stack and is not this test's; run the test on a stack without it`);
  }
  if (existing) await removeBase();
  const applied = Date.now();
  await kubectl('apply', '-k', BASE);
  console.log(`kubectl apply -k deploy/base: ${seconds(Date.now() - applied)}`);
  await kubectl('annotate', 'namespace', NAMESPACE, `${OWNER}=kustomize-base-test`);
  // Not part of the base (docs/deploy.md): the operator config and the Keycloak admin Secret, the
  // CAs and the Temporal client's secret.
  await prepareOperatorNamespace(adminKubeConfig(), stack, NAMESPACE);
  await core.createNamespacedConfigMap({ namespace: NAMESPACE, body: { metadata: { name: 'kagenti-waypoint-ca' }, data: { 'ca.crt': [...new Set([stack.temporal.tls!.caFile, stack.keycloak.caFile!])].map((file) => readFileSync(file, 'utf8')).join('') } } });
  // The Temporal client's Secret as docs/deploy.md makes it: keycloak-identity --temporal against the
  // stack's Temporal realm, its output applied. Then the stack's own clients as its bootstrap made
  // them (the CLI client's password grant, which the other tests' people sign in by).
  const access = stack.temporal.access!;
  const identity = await runCommand(
    'npm',
    ['run', '-s', 'keycloak-identity', '--', '--temporal', '--realm', access.realm, '--temporal-namespace', stack.temporal.namespace, '--ui-callback', `${stack.temporal.uiUrl}/auth/sso/callback`, '--namespace', NAMESPACE],
    { ...process.env, KEYCLOAK_URL: stack.keycloak.url, KEYCLOAK_ADMIN_USERNAME: stack.keycloak.adminUsername, KEYCLOAK_ADMIN_PASSWORD: stack.keycloak.adminPassword },
  );
  await bootstrapStackKeycloak(stack);
  const [clientSecret] = loadAllYaml(identity.stdout) as (KubernetesObject & { stringData: Record<string, string> })[];
  expect({ name: clientSecret.metadata?.name, namespace: clientSecret.metadata?.namespace }).toEqual({ name: TEMPORAL_CLIENT_SECRET, namespace: NAMESPACE });
  // The realm's worker client kept its secret: the one the stack's own processes use.
  expect(clientSecret.stringData['client-secret'] === readFileSync(access.worker.secretFile, 'utf8').trim()).toBe(true);
  await objects.create(clientSecret);
}, 120_000);

afterAll(async () => {
  for (const running of Object.values(processes)) {
    if (running && running.process.child.exitCode === null && running.process.child.signalCode === null) {
      running.process.child.kill('SIGKILL');
      await running.process.exited;
    }
  }
  removeMountPoint?.();
  await temporalConnection?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await removeBase();
}, 120_000);

test('every object of the base exists on the apiserver after kubectl apply -k, as the base renders it', async () => {
  // The base's inventory: a change to the base changes this list.
  expect(rendered.map((o) => o.kind).sort()).toEqual(
    [
      'ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'Deployment', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'PodDisruptionBudget',
      'Role', 'Role', 'RoleBinding', 'RoleBinding', 'ServiceAccount', 'ServiceAccount', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
    ],
  );
  for (const object of rendered) {
    // kubectl's kustomize does not know these kinds to be cluster-scoped and renders the base's
    // namespace into them; kubectl apply leaves it out.
    const namespace = CLUSTER_SCOPED_UNKNOWN_TO_KUSTOMIZE.has(object.kind!) ? undefined : object.metadata!.namespace;
    const live = (await objects.read({ apiVersion: object.apiVersion!, kind: object.kind!, metadata: { name: object.metadata!.name!, namespace } })) as KubernetesObject & Record<string, any>;
    const want = object as KubernetesObject & Record<string, any>;
    expect({ kind: live.kind, name: live.metadata?.name, namespace: live.metadata?.namespace }).toEqual({ kind: want.kind, name: want.metadata?.name, namespace });
    if (want.rules) expect(live.rules).toEqual(want.rules);
    if (want.kind === 'ValidatingAdmissionPolicy') expect(live.spec.validations).toEqual(want.spec.validations);
    if (want.kind === 'ValidatingAdmissionPolicyBinding') expect(live.spec).toMatchObject(want.spec);
    if (want.roleRef) expect({ roleRef: live.roleRef, subjects: live.subjects }).toEqual({ roleRef: want.roleRef, subjects: want.subjects });
    if (want.kind === 'Deployment') {
      expect(live.spec.template.spec.serviceAccountName).toBe(want.spec.template.spec.serviceAccountName);
      expect(live.spec.template.spec.containers[0]).toMatchObject(want.spec.template.spec.containers[0]);
    }
  }
});

test('the Deployments roll out (kwok plays the kubelet: their pods are Running, but nothing runs in them)', async () => {
  for (const name of ['kagenti-waypoint-worker', 'kagenti-waypoint-watcher']) {
    await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ namespace: NAMESPACE, name });
      return d.status?.availableReplicas === d.spec?.replicas ? true : undefined;
    }, 60_000, `Deployment ${name} available`);
    const { replicas } = (await apps.readNamespacedDeployment({ namespace: NAMESPACE, name })).spec!;
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `app.kubernetes.io/name=${name}` });
    expect(pods.items.map((p) => p.status?.phase)).toEqual(Array(replicas).fill('Running'));
    expect(pods.items.every((p) => p.spec?.serviceAccountName === name && p.spec?.containers[0].image === 'kagenti-waypoint-provisioner:dev')).toBe(true);
  }
});

/** Starts a process in the place of one pod of the applied Deployment of `component`; returns when it started. */
async function startAsPod(component: 'worker' | 'watcher'): Promise<number> {
  const deployment: V1Deployment = await apps.readNamespacedDeployment({ namespace: NAMESPACE, name: `kagenti-waypoint-${component}` });
  const container = deployment.spec!.template.spec!.containers[0];
  const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `app.kubernetes.io/name=kagenti-waypoint-${component}` });
  const pod = pods.items.filter((p) => p.status?.phase === 'Running').sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!))[0];
  const files = join(scratch, component);
  await writeServiceAccountFiles(files, pod);
  const volumes = await writeVolumeFiles(join(scratch, `${component}-volumes`), pod, container);

  const server = new URL(stack.kubernetes.server);
  const fromDeployment = containerEnvironment(pod, container);
  // What must point at the test stack instead of the cluster's Services, and the test suite's isolation:
  const healthPort = await freePort();
  const overrides: Record<string, string> = {
    TEMPORAL_ADDRESS: stack.temporal.address, // the Deployment's temporal-frontend.temporal.svc does not resolve here
    TEMPORAL_TLS_SERVER_NAME: STACK_TLS_SERVER_NAME, // the stack's certificate names loopback, not that Service
    TEMPORAL_TOKEN_URL: temporalTokenUrl(), // nor does keycloak.keycloak.svc
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue, // other test files' provisioners share this Temporal
    KEYCLOAK_AUDIT_INTERVAL: '0', // an audit would wake other test files' namespaces on this queue
    HEALTH_PORT: String(healthPort), // the machine's network (hostNetwork): 8081 is not ours to take
    METRICS_PORT: String(await freePort()),
  };
  expect(Object.keys(overrides).filter((key) => key in fromDeployment).sort()).toEqual(['HEALTH_PORT', 'TEMPORAL_ADDRESS', 'TEMPORAL_TOKEN_URL']);
  const image = imageEnvironment(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  expect(image).toMatchObject({ NODE_ENV: 'production' });
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/home/node',
    HOSTNAME: pod.metadata!.name!,
    ...image,
    // The image's bundle is compiled into its /app/dist; these processes run the sources with the repo's prebundle.
    WORKFLOW_BUNDLE_PATH: join(REPO, 'build', 'workflow-bundle.js'),
    // tsx would write its cache to a read-only root filesystem; the image runs compiled code without it.
    TSX_DISABLE_CACHE: '1',
    // What the kubelet adds for the apiserver's Service.
    KUBERNETES_SERVICE_HOST: server.hostname,
    KUBERNETES_SERVICE_PORT: server.port,
    ...fromDeployment,
    ...overrides,
  };
  const started = Date.now();
  const proc = startInClusterProcess({ name: `${component}-${taskQueue}`, pod, container, serviceAccountFiles: files, volumes, env });
  processes[component] = { process: proc, pod, healthPort };
  const probe = container.readinessProbe!.httpGet!.path;
  try {
    await eventually(async () => ((await fetch(`http://127.0.0.1:${healthPort}${probe}`)).ok ? true : undefined), 60_000, `the ${component}'s ${probe}`);
  } catch (error) {
    throw new Error(`${String(error)}\n${component} output:\n${proc.output.join('').slice(-4000)}`, { cause: error });
  }
  expect((await fetch(`http://127.0.0.1:${healthPort}${container.livenessProbe!.httpGet!.path}`)).ok).toBe(true);
  return started;
}

test('the worker and the watcher, started as pods of the applied Deployments with in-cluster configuration, become ready; the watcher leads', async () => {
  const workerStarted = await startAsPod('worker');
  const workerReady = Date.now() - workerStarted;
  const watcherStarted = await startAsPod('watcher');
  const watcherReady = Date.now() - watcherStarted;
  const worker = processes.worker!;
  const watcher = processes.watcher!;

  // Each read the in-cluster configuration: no kubeconfig, the operator namespace from POD_NAMESPACE.
  for (const { process: proc } of [worker, watcher]) {
    const [effective] = logLines(proc.output, 'Effective settings');
    expect(effective.settings).toMatchObject({ kubeconfig: '', operatorNamespace: NAMESPACE, leaderElect: true, taskQueue, maxCachedWorkflows: 100 });
    // Temporal over TLS with the client's token, from the files the base mounts.
    expect(effective.settings).toMatchObject({
      temporalTlsCaFile: '/var/run/secrets/kagenti-waypoint/ca/ca.crt',
      temporalClientId: 'kagenti-waypoint-worker',
      temporalClientSecretFile: '/var/run/secrets/kagenti-waypoint/temporal-client/client-secret',
    });
    // Under the pods' securityContext, the ServiceAccount files mounted read-only where only it sees them.
    expect(processView(proc.child.pid!)).toEqual({
      uid: '1000',
      noNewPrivs: '1',
      effectiveCapabilities: '0000000000000000',
      rootOptions: expect.stringMatching(/^ro\b/),
      serviceAccountOptions: expect.stringMatching(/^ro\b/),
    });
  }
  expect(processView(process.pid).serviceAccountOptions).toBeUndefined();
  const [started] = logLines(watcher.process.output, 'Watcher started');
  expect(started.server).toBe(`https://${new URL(stack.kubernetes.server).host}`);

  // The leader Lease in the operator namespace, held under the pod's name (POD_NAME from the downward API).
  const lease = await eventually(async () => {
    const l = await leases.readNamespacedLease({ namespace: NAMESPACE, name: LEASE });
    return l.spec?.holderIdentity === watcher.pod.metadata!.name ? l : undefined;
  }, 30_000, 'the watcher to hold the Lease');
  expect(lease.spec?.leaseDurationSeconds).toBe(15);
  // A standby is ready too: the leader has listed the cluster once it has taken over.
  await eventually(async () => (logLines(watcher.process.output, 'Took over: telling the namespaces that are not settled').length ? true : undefined), 30_000, 'the watcher to take over');
  const watcherLeading = Date.now() - watcherStarted;
  expect(logLines(watcher.process.output, 'Became leader')).toHaveLength(1);
  expect((await fetch(`http://127.0.0.1:${watcher.healthPort}/readyz`)).ok).toBe(true);
  console.log(`in-cluster processes: worker ready ${seconds(workerReady)} after start; watcher ready ${seconds(watcherReady)}, leading with the cluster listed ${seconds(watcherLeading)} after start`);
}, 150_000);

test('an agent namespace is provisioned by them: ambient labels, the waypoint programmed by istiod, the Keycloak client and its credentials Secret', async () => {
  const namespace = uniqueName('kustomize');
  const workload = 'agent';
  const secretName = credentialsSecretName(namespace, workload);
  await createNamespace(namespace);
  const created = Date.now();
  await createAgentDeployment(namespace, workload);

  // Ready, or a reason to stop waiting: the namespace's workflow ended without getting there.
  const handle = temporal.workflow.getHandle(namespaceWorkflowId(namespace));
  const outcome = await eventually(async () => {
    const raw = (await core.readNamespace({ name: namespace })).metadata?.annotations?.['kagenti.io/waypoint-provisioning-status'];
    const parsed = raw ? (JSON.parse(raw) as { phase: string }) : undefined;
    if (parsed?.phase === 'Ready') return { status: parsed };
    const run = await handle.describe().catch(() => undefined);
    return run && run.status.name !== 'RUNNING' ? { ended: run.status.name } : undefined;
  }, 90_000, 'the namespace provisioned (status Ready)').catch((error: unknown) => ({ timedOut: String(error) }));
  const provisioned = Date.now() - created;
  if (!('status' in outcome)) {
    const why = 'ended' in outcome ? `its workflow ended ${outcome.ended}` : outcome.timedOut;
    throw new Error(`namespace ${namespace} not provisioned: ${why}; the worker's warnings:\n${warnings(processes.worker!.process.output).join('\n')}`);
  }
  expect(outcome.status).toEqual({ phase: 'Ready', waypointReady: true, agents: 1, waiting: [] });

  const ns = await core.readNamespace({ name: namespace });
  expect(ns.metadata?.labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': waypointGatewayName(namespace) });
  const gateway = await readGateway(namespace, waypointGatewayName(namespace));
  expect(gateway?.status?.conditions?.find((c: { type: string }) => c.type === 'Programmed')).toMatchObject({ status: 'True' });

  const secret = await readSecretOrUndefined(namespace, secretName);
  expect(decode(secret?.data?.['client-id.txt'])).toBe(`${namespace}/${workload}`);
  const admin = await keycloakAdmin();
  const [client] = await admin.clients.find({ clientId: `${namespace}/${workload}` });
  expect(client?.attributes?.['kagenti.io/managed-by']).toBe('kagenti-waypoint-provisioner');
  expect(decode(secret!.data!['client-secret.txt'])).toBe((await admin.clients.getClientSecret({ id: client.id! })).value);
  const deployment = await apps.readNamespacedDeployment({ namespace, name: workload });
  expect(deployment.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name']).toBe(secretName);
  expect(await eventReasons(namespace)).toEqual(expect.arrayContaining(['AmbientLabelsSet', 'WaypointCreated', 'WaypointReady', 'KeycloakClientCreated', 'CredentialsSecretCreated']));

  // By these processes: the namespace's workflow runs on their task queue, which nothing else polls.
  expect((await handle.describe()).taskQueue).toBe(taskQueue);
  console.log(`agent namespace provisioned (status Ready) ${seconds(provisioned)} after its agent Deployment was created`);
}, 120_000);

test('both stop cleanly on SIGTERM within the pods\' grace period; the watcher releases the Lease', async () => {
  for (const component of ['watcher', 'worker'] as const) {
    const { process: proc } = processes[component]!;
    // The apiserver defaults it (30 s): after it the kubelet would SIGKILL.
    const grace = (await apps.readNamespacedDeployment({ namespace: NAMESPACE, name: `kagenti-waypoint-${component}` })).spec!.template.spec!.terminationGracePeriodSeconds!;
    const stopping = Date.now();
    proc.child.kill('SIGTERM');
    const inTime = await Promise.race([proc.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), grace * 1000).unref())]);
    if (!inTime) throw new Error(`the ${component} did not exit within ${grace} s of SIGTERM; its last warnings:\n${warnings(proc.output).slice(-5).join('\n')}`);
    expect({ component, code: proc.child.exitCode, signal: proc.child.signalCode }).toEqual({ component, code: 0, signal: null });
    expect(logLines(proc.output, `${component === 'worker' ? 'Worker' : 'Watcher'} stopped`)).toHaveLength(1);
    console.log(`${component} stopped ${seconds(Date.now() - stopping)} after SIGTERM`);
  }
  const lease = await leases.readNamespacedLease({ namespace: NAMESPACE, name: LEASE });
  expect(lease.spec?.holderIdentity).toBeUndefined();
  // The host's view of the in-cluster path was never changed: the files were only mounted inside the processes.
  expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('kubernetes.io/serviceaccount');
}, 90_000);
