import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, RbacAuthorizationV1Api, Watch } from '@kubernetes/client-node';
import pino from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeClients, KubeClients, MERGE_PATCH } from '../../../activities/kubernetes/clients';
import { resolveProvisioningConfig } from '../../../activities/kubernetes/config';
import { recordEvent } from '../../../activities/kubernetes/events';
import { deleteWaypointGateway, ensureWaypointGateway, lookAtWaypoint } from '../../../activities/kubernetes/gateways';
import { istiodHasAnswered, type GatewayObject } from '../../../model/waypoint-gateway';
import { ensureNamespaceLabels, inspectNamespace } from '../../../activities/kubernetes/namespaces';
import { operatorObjectWatches } from '../../../activities/kubernetes/operator-objects';
import { listCredentialsSecrets, writeCredentialsSecret } from '../../../activities/kubernetes/secrets';
import { ensureCredentialsAnnotation } from '../../../activities/kubernetes/workloads';
import { loadSettings } from '../../../config/settings';
import type { EventInput } from '../../../model/events';
import { CREDENTIALS_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL } from '../../../model/labels';
import { credentialsSecretName, OPERATOR_CONFIG, waypointGatewayName } from '../../../model/names';
import { ensureIstioFootprint, ISTIO_NAMESPACE } from '../../../tools/local/istio-footprint';
import { microTime, startLeaderElection } from '../../../watcher/leader-election';
import { watchedResources, type WatchedResource } from '../../../watcher/watched-resources';
import { apps, createAgentDeployment, createNamespace, custom } from '../../harness/cluster';
import { applyShippedAdmissionPolicy, isForbidden, type RbacObject, type Rule, serviceAccountKubeconfig, shippedRbacObjects } from '../../harness/rbac';
import { adminKubeConfig, testStack, uniqueName } from '../../harness/stack';

// RBAC minimality on the real apiserver. For every right (resource and verb) of every shipped
// ClusterRole and Role, a ServiceAccount gets that role with only this right taken out, and the
// operation of the product that needs the right is run as it: it must be refused, while the same
// operation as a ServiceAccount with the whole role succeeds. A right that nothing refuses when it
// is taken out is not needed and fails the test; so does a right with no operation named for it.

/** Who runs a probe: a ServiceAccount's clients. */
interface Identity {
  kc: KubeConfig;
  k8s: KubeClients;
  /** Its name, as a leader-election identity. */
  name: string;
}

interface Probe {
  /** The product operation that needs the right, as the test reports it. */
  operation: string;
  /** Run as the admin before each run, so that the operation has something to do. */
  prepare?: () => Promise<void>;
  /** Resolves when the operation succeeded; rejects (403) when it was refused. */
  run: (as: Identity) => Promise<unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const admin = kubeClients(testStack().kubernetes.kubeconfig);
const run = uniqueName('rbacmin');
const operatorNamespace = `${run}-op`;
const namespace = `${run}-ns`;
const accounts = `${run}-sa`;
/** Where the ServiceAccount with the whole worker role lives, under the worker's name. */
const workerAccount = `${run}-worker`;
let removePolicy: (() => Promise<void>) | undefined;
const secretName = credentialsSecretName(namespace, 'agent');
const settings = { ...loadSettings([], {}), operatorNamespace };
let scratch: string;
let agentUid: string;

/** The credentials Secret as the provisioner writes it. */
const resetSecret = async (): Promise<void> => {
  await writeCredentialsSecret(admin, namespace, secretName, { kind: 'Deployment', name: 'agent', uid: agentUid }, `${namespace}/agent`, 'probe-secret');
};
const resetGateway = () => ensureWaypointGateway(admin, namespace).then(() => undefined);

/**
 * A waypoint whose Service is someone else's: istiod answers AddressNotAssigned, so a look at it
 * reads the Service (a waypoint istiod calls ready needs only its Deployment looked at).
 */
const takenNamespace = `${run}-taken`;
async function serviceTaken(): Promise<void> {
  const name = waypointGatewayName(takenNamespace);
  if (await admin.core.readNamespacedService({ namespace: takenNamespace, name }).then(() => true, () => false)) return;
  await createNamespace(takenNamespace);
  await admin.core.createNamespacedService({ namespace: takenNamespace, body: { metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: 'theirs' } } } });
  await ensureWaypointGateway(admin, takenNamespace);
  for (let waited = 0; waited < 30_000; waited += 200) {
    const gateway = (await custom.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace: takenNamespace, plural: 'gateways', name })) as GatewayObject;
    if (istiodHasAnswered(gateway)) return;
    await sleep(200);
  }
  throw new Error(`istiod did not answer for waypoint ${takenNamespace}/${name} within 30 s`);
}

/** An Event that opens a series, and one more occurrence of it (a later pass). */
const seriesEvent = (key: string): EventInput => ({
  namespace,
  involved: { kind: 'Namespace', name: namespace },
  type: 'Warning',
  reason: 'KeycloakUnreachable',
  message: 'probe',
  key,
  series: `${run}/series`,
});

/** Watches `resource` as the watcher does; resolves once the apiserver accepted the watch. */
async function watchStarts(kc: KubeConfig, resource: Pick<WatchedResource, 'path' | 'labelSelector' | 'fieldSelector'>): Promise<void> {
  let failure: unknown;
  const controller = await new Watch(kc).watch(resource.path, { labelSelector: resource.labelSelector, fieldSelector: resource.fieldSelector }, () => undefined, (error) => {
    failure ??= error;
  });
  // A refused watch has reported its error before watch() returns.
  const refused = failure;
  controller.abort();
  if (refused) throw refused;
}

const watched = (kc: KubeConfig, name: WatchedResource['name']) => watchedResources(kc, operatorNamespace, () => false, () => false).resources.find((r) => r.name === name)!;

/** Leads the watcher's Lease `lease` within 3 s, or rejects with what the election logged. */
async function leads(as: Identity, lease: string): Promise<void> {
  let led = false;
  const logged: string[] = [];
  const election = startLeaderElection(
    as.kc,
    { namespace: operatorNamespace, name: lease, identity: as.name, leaseDurationSeconds: 2, renewIntervalSeconds: 0.2 },
    { onStartedLeading: () => (led = true), onStoppedLeading: () => undefined },
    pino({ level: 'warn' }, { write: (line: string) => logged.push(line) }),
  );
  try {
    for (let waited = 0; waited < 3000 && !led; waited += 100) await sleep(100);
  } finally {
    await election.stop();
  }
  if (!led) throw new Error(`${as.name} did not lead Lease ${lease}; the election logged: ${logged.join(' ')}`);
}

const lease = (holder: string, expired: boolean) => ({
  metadata: { name: `${run}-lease`, namespace: operatorNamespace },
  spec: { holderIdentity: holder, leaseDurationSeconds: 2, renewTime: microTime(new Date(Date.now() - (expired ? 60_000 : 0))), acquireTime: microTime(new Date()) },
});
const coordination = () => adminKubeConfig().makeApiClient(CoordinationV1Api);

/** The product operation behind each right, by `<role>:<resource>:<verb>`. */
const PROBES: Record<string, Probe> = {
  'kagenti-waypoint-worker:namespaces:get': { operation: 'inspectNamespace reads the Namespace', run: ({ k8s }) => inspectNamespace(k8s, namespace) },
  'kagenti-waypoint-worker:namespaces:patch': {
    operation: 'ensureNamespaceLabels sets the ambient labels',
    prepare: () => admin.core.patchNamespace({ name: namespace, body: { metadata: { labels: { 'istio.io/dataplane-mode': null } } } }, MERGE_PATCH).then(() => undefined),
    run: ({ k8s }) => ensureNamespaceLabels(k8s, namespace),
  },
  // Pods are counted only where no agent workload is (they then decide whether it is an agent namespace).
  'kagenti-waypoint-worker:pods:list': { operation: 'inspectNamespace counts agent pods of a namespace without agent workloads', run: ({ k8s }) => inspectNamespace(k8s, accounts) },
  'kagenti-waypoint-worker:services:get': {
    operation: "lookAtWaypoint looks for someone else's Service of the waypoint's name (istiod answered, not Programmed)",
    prepare: serviceTaken,
    run: ({ k8s }) => lookAtWaypoint(k8s, takenNamespace),
  },
  'kagenti-waypoint-worker:configmaps:get': { operation: 'resolveProvisioningConfig reads kagenti-operator-config', run: ({ k8s }) => resolveProvisioningConfig(k8s, settings, namespace) },
  'kagenti-waypoint-worker:secrets:get': {
    operation: 'writeCredentialsSecret reads the credentials Secret',
    prepare: resetSecret,
    run: ({ k8s }) => writeCredentialsSecret(k8s, namespace, secretName, { kind: 'Deployment', name: 'agent', uid: agentUid }, `${namespace}/agent`, 'probe-secret'),
  },
  'kagenti-waypoint-worker:secrets:list': { operation: 'the Keycloak audit lists the credentials Secrets', run: ({ k8s }) => listCredentialsSecrets(k8s) },
  'kagenti-waypoint-worker:secrets:create': {
    operation: 'writeCredentialsSecret creates a missing credentials Secret',
    prepare: () => admin.core.deleteNamespacedSecret({ namespace, name: secretName }).then(() => undefined, () => undefined),
    run: ({ k8s }) => writeCredentialsSecret(k8s, namespace, secretName, { kind: 'Deployment', name: 'agent', uid: agentUid }, `${namespace}/agent`, 'probe-secret'),
  },
  'kagenti-waypoint-worker:secrets:patch': {
    operation: 'writeCredentialsSecret repairs a credentials Secret whose content drifted',
    prepare: async () => {
      await resetSecret();
      await admin.core.patchNamespacedSecret({ namespace, name: secretName, body: { stringData: { 'client-secret.txt': 'drifted' } } }, MERGE_PATCH);
    },
    run: ({ k8s }) => writeCredentialsSecret(k8s, namespace, secretName, { kind: 'Deployment', name: 'agent', uid: agentUid }, `${namespace}/agent`, 'probe-secret'),
  },
  'kagenti-waypoint-worker:secrets:delete': {
    operation: 'writeCredentialsSecret recreates a credentials Secret of its own of the wrong type (the type is immutable)',
    prepare: async () => {
      await admin.core.deleteNamespacedSecret({ namespace, name: secretName }).catch(() => undefined);
      await admin.core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: secretName, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } }, type: 'example.com/other', stringData: { 'client-id.txt': 'x' } },
      });
    },
    run: ({ k8s }) => writeCredentialsSecret(k8s, namespace, secretName, { kind: 'Deployment', name: 'agent', uid: agentUid }, `${namespace}/agent`, 'probe-secret'),
  },
  'kagenti-waypoint-worker:events:create': { operation: 'recordEvent records an Event', run: ({ k8s }) => recordEvent(k8s, { ...seriesEvent(uniqueName('key')), series: undefined }) },
  'kagenti-waypoint-worker:events:get': {
    operation: 'recordEvent reads the Event of a lasting problem to count it',
    prepare: () => recordEvent(admin, seriesEvent('first')),
    run: ({ k8s }) => recordEvent(k8s, seriesEvent(uniqueName('later'))),
  },
  'kagenti-waypoint-worker:events:patch': {
    operation: 'recordEvent counts one more occurrence of a lasting problem',
    prepare: () => recordEvent(admin, seriesEvent('first')),
    run: ({ k8s }) => recordEvent(k8s, seriesEvent(uniqueName('later'))),
  },
  ...workloadProbes('deployments', 'Deployment', 'agent'),
  ...workloadProbes('statefulsets', 'StatefulSet', 'stateful-agent'),
  'kagenti-waypoint-worker:daemonsets:get': {
    operation: "a migration's preflight reads istio-system/ztunnel",
    run: ({ k8s }) => k8s.apps.readNamespacedDaemonSet({ namespace: ISTIO_NAMESPACE, name: 'ztunnel' }),
  },
  'kagenti-waypoint-worker:gateways:get': { operation: 'ensureWaypointGateway reads the waypoint Gateway', prepare: resetGateway, run: ({ k8s }) => ensureWaypointGateway(k8s, namespace) },
  'kagenti-waypoint-worker:gateways:create': {
    operation: 'ensureWaypointGateway creates a missing waypoint Gateway',
    prepare: () => deleteWaypointGateway(admin, namespace).then(() => undefined),
    run: ({ k8s }) => ensureWaypointGateway(k8s, namespace),
  },
  'kagenti-waypoint-worker:gateways:patch': {
    operation: 'ensureWaypointGateway repairs a drifted waypoint Gateway',
    prepare: async () => {
      await resetGateway();
      const ref = { group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', name: waypointGatewayName(namespace) };
      await custom.patchNamespacedCustomObject({ ...ref, body: { metadata: { labels: { 'istio.io/waypoint-for': 'service' } } } }, MERGE_PATCH);
    },
    run: ({ k8s }) => ensureWaypointGateway(k8s, namespace),
  },
  'kagenti-waypoint-worker:gateways:delete': {
    operation: 'deleteWaypointGateway removes the waypoint of a namespace left without agents',
    prepare: resetGateway,
    run: ({ k8s }) => deleteWaypointGateway(k8s, namespace),
  },
  'kagenti-waypoint-worker:gatewayclasses:get': { operation: 'ensureWaypointGateway checks the GatewayClass istio-waypoint', run: ({ k8s }) => ensureWaypointGateway(k8s, namespace) },
  ...workerWatchProbes(),
  ...watcherProbes(),
  'kagenti-waypoint-watcher-leader-election:leases:get': { operation: 'leader election reads the Lease', prepare: () => deleteLease(), run: (as) => leads(as, `${run}-lease`) },
  'kagenti-waypoint-watcher-leader-election:leases:create': { operation: 'leader election creates the Lease', prepare: () => deleteLease(), run: (as) => leads(as, `${run}-lease`) },
  'kagenti-waypoint-watcher-leader-election:leases:update': {
    operation: 'leader election takes over an expired Lease',
    prepare: async () => {
      await deleteLease();
      await coordination().createNamespacedLease({ namespace: operatorNamespace, body: lease('a-watcher-gone', true) });
    },
    run: (as) => leads(as, `${run}-lease`),
  },
};

function deleteLease(): Promise<void> {
  return coordination().deleteNamespacedLease({ namespace: operatorNamespace, name: `${run}-lease` }).then(() => undefined, () => undefined);
}

function workloadProbes(resource: 'deployments' | 'statefulsets', kind: 'Deployment' | 'StatefulSet', name: string): Record<string, Probe> {
  const removeAnnotation = async () => {
    const body = { spec: { template: { metadata: { annotations: { [CREDENTIALS_ANNOTATION]: null } } } } };
    if (kind === 'Deployment') await apps.patchNamespacedDeployment({ namespace, name, body }, MERGE_PATCH);
    else await apps.patchNamespacedStatefulSet({ namespace, name, body }, MERGE_PATCH);
  };
  return {
    [`kagenti-waypoint-worker:${resource}:get`]: { operation: `ensureCredentialsAnnotation reads the ${kind}`, run: ({ k8s }) => ensureCredentialsAnnotation(k8s, namespace, { kind, name }, secretName) },
    [`kagenti-waypoint-worker:${resource}:list`]: { operation: `inspectNamespace lists the agent ${kind}s`, run: ({ k8s }) => inspectNamespace(k8s, namespace) },
    [`kagenti-waypoint-worker:${resource}:patch`]: {
      operation: `ensureCredentialsAnnotation annotates the ${kind}'s pod template`,
      prepare: removeAnnotation,
      run: ({ k8s }) => ensureCredentialsAnnotation(k8s, namespace, { kind, name }, secretName),
    },
  };
}

/** The worker's list and watch of the operator config and admin Secret, which it keeps from a watch while passes ask for them. */
function workerWatchProbes(): Record<string, Probe> {
  const probes: Record<string, Probe> = {};
  for (const [resource, which] of [['configmaps', 'config'], ['secrets', 'adminSecret']] as const) {
    const watch = ({ k8s }: Identity) => operatorObjectWatches(k8s, operatorNamespace)[which];
    probes[`kagenti-waypoint-worker-operator-objects:${resource}:list`] = { operation: `the worker's watched copy lists ${which}`, run: (as) => watch(as).list() };
    probes[`kagenti-waypoint-worker-operator-objects:${resource}:watch`] = { operation: `the worker's watched copy watches ${which}`, run: (as) => watchStarts(as.kc, watch(as)) };
  }
  return probes;
}

/** The watcher's list and watch of each resource, through its own definitions (paths and selectors). */
function watcherProbes(): Record<string, Probe> {
  const uses: [string, WatchedResource['name']][] = [
    ['namespaces', 'namespaces'],
    ['pods', 'pods'],
    ['secrets', 'secrets'],
    ['configmaps', 'operator-config'],
    ['deployments', 'deployments'],
    ['statefulsets', 'statefulsets'],
    ['gateways', 'gateways'],
  ];
  const probes: Record<string, Probe> = {};
  for (const [resource, name] of uses) {
    probes[`kagenti-waypoint-watcher:${resource}:list`] = { operation: `the watcher lists ${name}`, run: ({ kc }) => watched(kc, name).list() };
    probes[`kagenti-waypoint-watcher:${resource}:watch`] = { operation: `the watcher watches ${name}`, run: ({ kc }) => watchStarts(kc, watched(kc, name)) };
  }
  return probes;
}

/** The shipped rules with one verb on one resource taken out (a rule naming several resources is split). */
function without(rules: Rule[], resource: string, verb: string): Rule[] {
  return rules.flatMap((rule) => {
    if (!rule.resources?.includes(resource)) return [rule];
    const others = rule.resources.filter((r) => r !== resource);
    const verbs = (rule.verbs ?? []).filter((v) => v !== verb);
    return [...(others.length ? [{ ...rule, resources: others }] : []), ...(verbs.length ? [{ ...rule, resources: [resource], verbs }] : [])];
  });
}

/** A ServiceAccount bound to `rules` (a ClusterRole, or for the Lease role a Role in the operator namespace). */
async function identityWith(name: string, role: RbacObject, rules: Rule[], account = { namespace: accounts, name }): Promise<Identity> {
  const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  const cluster = role.kind === 'ClusterRole';
  const bindingNamespace = cluster ? undefined : operatorNamespace;
  const roleName = `${run}-${name}`;
  await admin.core.createNamespacedServiceAccount({ namespace: account.namespace, body: { metadata: { name: account.name } } });
  await objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: role.kind, metadata: { name: roleName, namespace: bindingNamespace }, rules } as never);
  await objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: cluster ? 'ClusterRoleBinding' : 'RoleBinding',
    metadata: { name: roleName, namespace: bindingNamespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: roleName },
    subjects: [{ kind: 'ServiceAccount', name: account.name, namespace: account.namespace }],
  } as never);
  const file = await serviceAccountKubeconfig(scratch, account.namespace, account.name);
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return { kc, k8s: kubeClients(file), name };
}

interface Case {
  key: string;
  probe?: Probe;
  full: Identity;
  reduced: Identity;
}
const cases: Case[] = [];
let worker: Identity;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kwp-rbacmin-'));
  await Promise.all([createNamespace(operatorNamespace), createNamespace(namespace), createNamespace(accounts), createNamespace(workerAccount)]);
  await admin.core.createNamespacedConfigMap({ namespace: operatorNamespace, body: { metadata: { name: OPERATOR_CONFIG }, data: { KEYCLOAK_URL: 'http://127.0.0.1:1', KEYCLOAK_REALM: 'kagenti' } } });
  agentUid = (await createAgentDeployment(namespace, 'agent')).metadata!.uid!;
  const template = { metadata: { labels: { app: 'stateful-agent', 'kagenti.io/type': 'agent' } }, spec: { containers: [{ name: 'agent', image: 'example.invalid/agent' }] } };
  await apps.createNamespacedStatefulSet({ namespace, body: { metadata: { name: 'stateful-agent' }, spec: { serviceName: 'stateful-agent', selector: { matchLabels: { app: 'stateful-agent' } }, template } } });
  await resetSecret();
  await resetGateway();
  await ensureIstioFootprint(adminKubeConfig());

  const roles = shippedRbacObjects().filter((o): o is RbacObject => o.kind === 'ClusterRole' || o.kind === 'Role');
  let n = 0;
  for (const role of roles) {
    // The whole worker role goes to a ServiceAccount of the worker's name, which the shipped
    // admission policy confines: every probe's operation must pass it too.
    const isWorker = role.metadata!.name === 'kagenti-waypoint-worker';
    const full = await identityWith(`full-${n++}`, role, role.rules ?? [], isWorker ? { namespace: workerAccount, name: 'kagenti-waypoint-worker' } : undefined);
    if (isWorker) worker = full;
    for (const rule of role.rules ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs ?? []) {
          const key = `${role.metadata!.name}:${resource}:${verb}`;
          cases.push({ key, probe: PROBES[key], full, reduced: await identityWith(`without-${n++}`, role, without(role.rules ?? [], resource, verb)) });
        }
      }
    }
  }
  // The authorizer learns of new bindings through its informers.
  await sleep(2000);
  removePolicy = await applyShippedAdmissionPolicy(run, worker.kc, namespace);
}, 120_000);

afterAll(async () => {
  await removePolicy?.();
  rmSync(scratch, { recursive: true, force: true });
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const ours = (await rbac.listClusterRole()).items.filter((r) => r.metadata!.name!.startsWith(run));
  await Promise.all(ours.map((r) => rbac.deleteClusterRole({ name: r.metadata!.name! })));
  const bindings = (await rbac.listClusterRoleBinding()).items.filter((b) => b.metadata!.name!.startsWith(run));
  await Promise.all(bindings.map((b) => rbac.deleteClusterRoleBinding({ name: b.metadata!.name! })));
});

test('every shipped right is needed: taken out, the product operation that uses it is refused; with it, the operation succeeds', async () => {
  const unexplained = cases.filter((c) => !c.probe).map((c) => c.key);
  expect(unexplained).toEqual([]);
  const unneeded: string[] = [];
  const report: string[] = [];
  for (const { key, probe, full, reduced } of cases) {
    await probe!.prepare?.();
    await probe!.run(full);
    await probe!.prepare?.();
    const outcome = await probe!.run(reduced).then(
      () => 'succeeded',
      (error: unknown) => (isForbidden(error) ? 'refused' : `failed otherwise: ${String(error)}`),
    );
    report.push(`${key.padEnd(62)} ${outcome === 'refused' ? 'refused' : outcome}: ${probe!.operation}`);
    if (outcome !== 'refused') unneeded.push(`${key} (${outcome})`);
  }
  console.log(`Each shipped right, taken out, and what then fails:\n${report.join('\n')}`);
  expect(unneeded).toEqual([]);
  expect(cases.length).toBeGreaterThanOrEqual(40);
}, 300_000);

test('the worker is refused what it must not do', async () => {
  const core = worker.kc.makeApiClient(CoreV1Api);
  const workerApps = worker.kc.makeApiClient(AppsV1Api);
  const forbidden: [string, () => Promise<unknown>][] = [
    ['create a Namespace', () => core.createNamespace({ body: { metadata: { name: `${run}-nope` } } })],
    ['delete a Namespace', () => core.deleteNamespace({ name: namespace })],
    ['create a Pod', () => core.createNamespacedPod({ namespace, body: { metadata: { name: 'nope' }, spec: { containers: [{ name: 'c', image: 'x' }] } } })],
    ['delete a Deployment', () => workerApps.deleteNamespacedDeployment({ namespace, name: 'agent' })],
    ['create a Deployment', () => workerApps.createNamespacedDeployment({ namespace, body: { metadata: { name: 'nope' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } } })],
    ['patch a Service', () => core.patchNamespacedService({ namespace, name: waypointGatewayName(namespace), body: { metadata: { labels: { x: 'y' } } } }, MERGE_PATCH)],
    ['patch a DaemonSet', () => workerApps.patchNamespacedDaemonSet({ namespace: ISTIO_NAMESPACE, name: 'ztunnel', body: { metadata: { labels: { x: 'y' } } } }, MERGE_PATCH)],
    ['update a ConfigMap', () => core.patchNamespacedConfigMap({ namespace: operatorNamespace, name: OPERATOR_CONFIG, body: { data: { KEYCLOAK_REALM: 'other' } } }, MERGE_PATCH)],
    ['read a pod log', () => core.readNamespacedPodLog({ namespace, name: 'nope' })],
    ['grant itself more (a ClusterRoleBinding)', () => worker.kc.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({ body: { metadata: { name: `${run}-escalate` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: worker.name, namespace: accounts }] } })],
    ['change a GatewayClass', () => worker.kc.makeApiClient(CustomObjectsApi).patchClusterCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', name: 'istio-waypoint', body: { metadata: { labels: { x: 'y' } } } }, MERGE_PATCH)],
    ['write a Lease', () => worker.kc.makeApiClient(CoordinationV1Api).createNamespacedLease({ namespace: operatorNamespace, body: lease('worker', false) })],
  ];
  for (const [what, attempt] of forbidden) {
    const refused = await attempt().then(() => false, isForbidden);
    expect(`${what}: ${refused ? 'refused' : 'allowed'}`).toBe(`${what}: refused`);
  }
});
