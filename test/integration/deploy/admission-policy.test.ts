import { AdmissionregistrationV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, loadAllYaml, V1Secret } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeClients, KubeClients, MERGE_PATCH } from '../../../activities/kubernetes/clients';
import { ensureNamespaceLabels, recordNamespaceStatus, removeNamespaceLabels } from '../../../activities/kubernetes/namespaces';
import { deleteWaypointGateway, ensureWaypointGateway } from '../../../activities/kubernetes/gateways';
import { writeCredentialsSecret } from '../../../activities/kubernetes/secrets';
import { ensureCredentialsAnnotation } from '../../../activities/kubernetes/workloads';
import { holdNamespace, releaseNamespace, removeIstioInjection } from '../../../activities/migration/namespace';
import { switchWorkloadToWaypoint } from '../../../activities/migration/workloads';
import { httpStatus } from '../../../model/errors';
import { ADMIN_SECRET, credentialsSecretName, waypointGatewayName } from '../../../model/names';
import { apps, core, createAgentDeployment, createNamespace, custom, readGateway } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { applyShippedAdmissionPolicy, ADMISSION_POLICY_FILE, outcomeOf, serviceAccountKubeconfig, shippedRbac } from '../../harness/rbac';
import { adminKubeConfig, uniqueName } from '../../harness/stack';

// deploy/base/admission-policy.yaml on the real apiserver: the worker's own ServiceAccount token,
// bound to the shipped RBAC, is refused by the policy what RBAC alone would let it do (each refusal
// is checked to come from the policy, not from RBAC), and the provisioner's own writes, done by its
// own activity code as that ServiceAccount, pass it.

const run = uniqueName('vap');
const operatorNamespace = `${run}-op`;
const tenant = `${run}-ns`;
const MANAGED = { 'app.kubernetes.io/managed-by': 'kagenti-waypoint-provisioner' };
let scratch: string;
let removePolicy: (() => Promise<void>) | undefined;
let worker: KubeClients;
let asWorker: CoreV1Api;
let workerApps: AppsV1Api;
let agentUid: string;
let workerCustom: CustomObjectsApi;
const GATEWAYS = { group: 'gateway.networking.k8s.io', version: 'v1', namespace: '', plural: 'gateways' };
const gateway = (name: string, gatewayClassName: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name },
  spec: { gatewayClassName, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
});

const opaque = (name: string, labels: Record<string, string> = {}): V1Secret => ({ metadata: { name, labels }, type: 'Opaque', stringData: { value: 'x' } });

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kwp-vap-'));
  await createNamespace(operatorNamespace);
  await core.createNamespace({
    body: {
      metadata: {
        name: tenant,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', team: 'a', 'istio-injection': 'enabled' },
        annotations: { 'example.com/contact': 'team-a@example.com' },
      },
    },
  });
  const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  for (const object of shippedRbac(operatorNamespace, run)) await objects.create(object);
  agentUid = (await createAgentDeployment(tenant, 'agent')).metadata!.uid!;
  await Promise.all([
    core.createNamespacedSecret({ namespace: tenant, body: opaque('user-data', { app: 'mine' }) }),
    core.createNamespacedSecret({ namespace: tenant, body: opaque('legacy', { 'kagenti.io/client-registration': 'legacy' }) }),
    core.createNamespacedSecret({ namespace: tenant, body: opaque('own', MANAGED) }),
    core.createNamespacedSecret({ namespace: operatorNamespace, body: opaque(ADMIN_SECRET) }),
  ]);
  const file = await serviceAccountKubeconfig(scratch, operatorNamespace, 'kagenti-waypoint-worker');
  worker = kubeClients(file);
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  asWorker = kc.makeApiClient(CoreV1Api);
  workerApps = kc.makeApiClient(AppsV1Api);
  workerCustom = kc.makeApiClient(CustomObjectsApi);
  GATEWAYS.namespace = tenant;
  await custom.createNamespacedCustomObject({ ...GATEWAYS, body: gateway('ingress', 'other') });
  removePolicy = await applyShippedAdmissionPolicy(run, kc, tenant);
}, 60_000);

afterAll(async () => {
  await removePolicy?.();
  // Its agent namespace would otherwise wake the provisioners of later test files.
  await Promise.all([tenant, operatorNamespace].map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
  rmSync(scratch, { recursive: true, force: true });
});

/** Each attempt as the worker, with how the apiserver answered it. */
async function outcomes(attempts: Record<string, () => Promise<unknown>>): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const [what, attempt] of Object.entries(attempts)) result[what] = await outcomeOf(attempt);
  return result;
}
const all = (attempts: Record<string, unknown>, outcome: string) => Object.fromEntries(Object.keys(attempts).map((what) => [what, outcome]));
const patchTenant = (metadata: object) => () => asWorker.patchNamespace({ name: tenant, body: { metadata } }, MERGE_PATCH);
const patchAgent = (body: object) => () => workerApps.patchNamespacedDeployment({ namespace: tenant, name: 'agent', body }, MERGE_PATCH);

test('the shipped policy compiles and type-checks on the apiserver without a warning', async () => {
  const admission = adminKubeConfig().makeApiClient(AdmissionregistrationV1Api);
  const [policy] = loadAllYaml(readFileSync(ADMISSION_POLICY_FILE, 'utf8')) as { metadata: { name: string } }[];
  const live = await eventually(async () => {
    const p = await admission.readValidatingAdmissionPolicy({ name: `${policy.metadata.name}-${run}` });
    return p.status?.observedGeneration === p.metadata?.generation ? p : undefined;
  }, 30_000, 'the policy status');
  expect(live.status?.typeChecking?.expressionWarnings ?? []).toEqual([]);
  expect(live.status?.conditions?.filter((c) => c.status !== 'True') ?? []).toEqual([]);
});

test("the worker may not change a Namespace's Pod Security label", async () => {
  const attempts = {
    'set pod-security.kubernetes.io/enforce=privileged': patchTenant({ labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }),
    'remove pod-security.kubernetes.io/enforce': patchTenant({ labels: { 'pod-security.kubernetes.io/enforce': null } }),
    'add pod-security.kubernetes.io/warn=privileged': patchTenant({ labels: { 'pod-security.kubernetes.io/warn': 'privileged' } }),
  };
  expect(await outcomes(attempts)).toEqual(all(attempts, 'refused by the policy'));
  expect((await core.readNamespace({ name: tenant })).metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
});

test('the worker may not change any other label or annotation of a Namespace, nor its finalizers', async () => {
  const attempts = {
    'change a label of the tenant': patchTenant({ labels: { team: 'b' } }),
    'add kagenti.io/type': patchTenant({ labels: { 'kagenti.io/type': 'agent' } }),
    'point at another namespace\'s waypoint': patchTenant({ labels: { 'istio.io/use-waypoint-namespace': 'elsewhere' } }),
    'change an annotation of the tenant': patchTenant({ annotations: { 'example.com/contact': 'thief@example.com' } }),
    'add an annotation': patchTenant({ annotations: { 'scheduler.alpha.kubernetes.io/node-selector': 'x=y' } }),
    'add a finalizer': patchTenant({ finalizers: ['example.com/hold'] }),
  };
  expect(await outcomes(attempts)).toEqual(all(attempts, 'refused by the policy'));
});

test('the provisioner\'s own Namespace writes pass: the ambient labels, the status annotation, a migration\'s hold and its removal of istio-injection', async () => {
  expect(await ensureNamespaceLabels(worker, tenant, false, `ns-provisioner/${tenant}/run/0`)).toEqual({ outcome: 'updated' });
  expect(await recordNamespaceStatus(worker, tenant, '{"phase":"Ready"}')).toEqual({ outcome: 'updated' });
  expect(await holdNamespace(worker, tenant, 'migration-1')).toEqual({ outcome: 'updated' });
  expect(await removeIstioInjection(worker, tenant)).toEqual({ outcome: 'updated' });
  expect(await releaseNamespace(worker, tenant, 'migration-1')).toEqual({ outcome: 'updated' });
  expect(await removeNamespaceLabels(worker, tenant)).toEqual({ outcome: 'updated' });
  const ns = await core.readNamespace({ name: tenant });
  expect(ns.metadata?.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', team: 'a' });
});

test("the worker may not change a Deployment's containers, image or anything but its pod template's own labels and annotations", async () => {
  const container = (image: string) => ({ spec: { template: { spec: { containers: [{ name: 'agent', image }] } } } });
  const attempts = {
    'change the image': patchAgent(container('example.invalid/thief:1')),
    'add a container': () =>
      workerApps.patchNamespacedDeployment({ namespace: tenant, name: 'agent', body: [{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'thief', image: 'example.invalid/thief' } }] }),
    'run as another ServiceAccount': patchAgent({ spec: { template: { spec: { serviceAccountName: 'admin' } } } }),
    'scale it': patchAgent({ spec: { replicas: 5 } }),
    'change its kagenti.io/type': patchAgent({ spec: { template: { metadata: { labels: { 'kagenti.io/type': 'tool' } } } } }),
    'add another pod-template annotation': patchAgent({ spec: { template: { metadata: { annotations: { 'sidecar.istio.io/inject': 'false' } } } } }),
    'label the Deployment itself': patchAgent({ metadata: { labels: { team: 'b' } } }),
    'change its strategy': patchAgent({ spec: { strategy: { type: 'Recreate', rollingUpdate: null } } }),
  };
  expect(await outcomes(attempts)).toEqual(all(attempts, 'refused by the policy'));
  const live = await apps.readNamespacedDeployment({ namespace: tenant, name: 'agent' });
  expect(live.spec?.template.spec?.containers.map((c) => c.image)).toEqual(['example.invalid/agent:1']);
});

test("the provisioner's own workload writes pass: the credentials annotation, a migration's switch to waypoint mode", async () => {
  const secretName = credentialsSecretName(tenant, 'agent');
  expect(await ensureCredentialsAnnotation(worker, tenant, { kind: 'Deployment', name: 'agent' }, secretName)).toEqual({ outcome: 'updated' });
  await apps.patchNamespacedDeployment({ namespace: tenant, name: 'agent', body: { spec: { template: { metadata: { labels: { 'kagenti.io/inject': 'enabled' } } } } } }, MERGE_PATCH);
  // Its patch is guarded by the resourceVersion it read: while the controller rolls the Deployment
  // the guard fails (422) and the activity is retried, as Temporal would.
  const restartedAt = new Date().toISOString();
  const switched = await eventually(
    () => switchWorkloadToWaypoint(worker, tenant, { workload: { kind: 'Deployment', name: 'agent' }, credentialsSecret: secretName, restartedAt }).catch((error: unknown) => {
      if (httpStatus(error) === 422) return undefined;
      throw error;
    }),
    20_000,
    'the switch to waypoint mode',
  );
  expect(switched).toEqual({ outcome: 'updated' });
  const template = (await apps.readNamespacedDeployment({ namespace: tenant, name: 'agent' })).spec!.template.metadata!;
  expect(template.labels).toMatchObject({ 'kagenti.io/auth-mode': 'waypoint' });
  expect(template.annotations).toMatchObject({ 'kubectl.kubernetes.io/restartedAt': restartedAt, 'kagenti.io/keycloak-client-credentials-secret-name': secretName });
});

test('the worker may not update or delete a Secret it did not make, nor create a token Secret', async () => {
  const attempts = {
    "patch a tenant's Secret": () => asWorker.patchNamespacedSecret({ namespace: tenant, name: 'user-data', body: { stringData: { value: 'stolen' } } }, MERGE_PATCH),
    "label a tenant's Secret as the provisioner's": () => asWorker.patchNamespacedSecret({ namespace: tenant, name: 'user-data', body: { metadata: { labels: MANAGED } } }, MERGE_PATCH),
    "delete a tenant's Secret": () => asWorker.deleteNamespacedSecret({ namespace: tenant, name: 'user-data' }),
    'delete the operator namespace\'s keycloak-admin-secret': () => asWorker.deleteNamespacedSecret({ namespace: operatorNamespace, name: ADMIN_SECRET }),
    'delete a legacy Secret of a namespace no migration holds': () => asWorker.deleteNamespacedSecret({ namespace: tenant, name: 'legacy' }),
    'remove the managed-by label of its own Secret': () =>
      asWorker.patchNamespacedSecret({ namespace: tenant, name: 'own', body: { metadata: { labels: { 'app.kubernetes.io/managed-by': null } } } }, MERGE_PATCH),
    'create an unlabelled Secret': () => asWorker.createNamespacedSecret({ namespace: tenant, body: opaque('thief') }),
    'create a ServiceAccount token Secret, even labelled': () =>
      asWorker.createNamespacedSecret({
        namespace: tenant,
        body: { metadata: { name: 'thief-token', labels: MANAGED, annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token' },
      }),
  };
  expect(await outcomes(attempts)).toEqual(all(attempts, 'refused by the policy'));
  expect((await core.readNamespacedSecret({ namespace: tenant, name: 'user-data' })).data?.value).toBe(Buffer.from('x').toString('base64'));
});

test('a Secret at a credentials Secret\'s name that the provisioner did not make is left alone: writing it is refused', async () => {
  const name = credentialsSecretName(tenant, 'squatted');
  await core.createNamespacedSecret({ namespace: tenant, body: opaque(name) });
  const write = () => writeCredentialsSecret(worker, tenant, name, { kind: 'Deployment', name: 'agent', uid: agentUid }, `${tenant}/squatted`, 'probe-secret');
  expect(await outcomeOf(write)).toBe('refused by the policy');
  expect((await core.readNamespacedSecret({ namespace: tenant, name })).data?.value).toBe(Buffer.from('x').toString('base64'));
});

test("the provisioner's own Secret writes pass, and a migration's deletion of the legacy Secrets of the namespace it holds", async () => {
  const name = credentialsSecretName(tenant, 'agent');
  const write = (value: string) => writeCredentialsSecret(worker, tenant, name, { kind: 'Deployment', name: 'agent', uid: agentUid }, `${tenant}/agent`, value);
  expect(await write(uniqueName('client-secret'))).toMatchObject({ outcome: 'created' });
  expect(await write(uniqueName('client-secret'))).toMatchObject({ outcome: 'updated' });
  await asWorker.deleteNamespacedSecret({ namespace: tenant, name });
  await holdNamespace(worker, tenant, 'migration-2');
  try {
    await asWorker.deleteNamespacedSecret({ namespace: tenant, name: 'legacy' });
    await asWorker.createNamespacedSecret({ namespace: tenant, body: opaque('legacy', { 'kagenti.io/client-registration': 'legacy' }) });
  } finally {
    await releaseNamespace(worker, tenant, 'migration-2');
  }
});

test('the worker may not create, change or delete a Gateway that is not a waypoint', async () => {
  const attempts = {
    'change the listeners of a Gateway of another class': () =>
      workerCustom.patchNamespacedCustomObject({ ...GATEWAYS, name: 'ingress', body: { spec: { listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] } } }, MERGE_PATCH),
    'turn a Gateway of another class into a waypoint': () =>
      workerCustom.patchNamespacedCustomObject({ ...GATEWAYS, name: 'ingress', body: { spec: { gatewayClassName: 'istio-waypoint' } } }, MERGE_PATCH),
    'delete a Gateway of another class': () => workerCustom.deleteNamespacedCustomObject({ ...GATEWAYS, name: 'ingress' }),
    'create a Gateway of another class': () => workerCustom.createNamespacedCustomObject({ ...GATEWAYS, body: gateway('thief', 'other') }),
  };
  expect(await outcomes(attempts)).toEqual(all(attempts, 'refused by the policy'));
  expect((await readGateway(tenant, 'ingress'))?.spec.listeners[0].port).toBe(80);
});

test("the provisioner's own Gateway writes pass: it creates, repairs and deletes the waypoint", async () => {
  expect(await ensureWaypointGateway(worker, tenant, { passKey: `ns-provisioner/${tenant}/run/0` })).toMatchObject({ outcome: 'created' });
  await custom.patchNamespacedCustomObject({ ...GATEWAYS, name: waypointGatewayName(tenant), body: { metadata: { labels: { 'istio.io/waypoint-for': 'service' } } } }, MERGE_PATCH);
  expect(await ensureWaypointGateway(worker, tenant)).toMatchObject({ outcome: 'updated' });
  const changeClass = () => workerCustom.patchNamespacedCustomObject({ ...GATEWAYS, name: waypointGatewayName(tenant), body: { spec: { gatewayClassName: 'other' } } }, MERGE_PATCH);
  expect(await outcomeOf(changeClass)).toBe('refused by the policy');
  expect(await deleteWaypointGateway(worker, tenant)).toEqual({ outcome: 'deleted' });
});
