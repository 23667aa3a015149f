import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MERGE_PATCH } from '../../../activities/kubernetes/clients';
import { ADMIN_SECRET, waypointGatewayName } from '../../../model/names';
import { core, createAgentDeployment, createNamespace, custom } from '../../harness/cluster';
import { applyShippedAdmissionPolicy, outcomeOf, serviceAccountKubeconfig, shippedRbac } from '../../harness/rbac';
import { adminKubeConfig, uniqueName } from '../../harness/stack';

// The worker's and the watcher's ServiceAccount tokens taken as a thief would take them, used
// against the real apiserver. Each row of the threat table (docs/security.md) is one test: what the
// token could do before the shipped admission policy (the same ClusterRole bound to a
// ServiceAccount of another name, which the policy does not match) and what it can do now (the
// shipped ServiceAccount, under the policy). Writes are dry runs: the apiserver authorizes and
// admits them exactly as real ones, and nothing changes.

const run = uniqueName('thief');
const operatorNamespace = `${run}-op`;
const tenant = `${run}-ns`;
const DRY = { dryRun: 'All' };
let scratch: string;
let removePolicy: (() => Promise<void>) | undefined;
const tokens: Record<'worker' | 'workerBefore' | 'watcher', KubeConfig> = {} as never;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kwp-thief-'));
  await createNamespace(operatorNamespace);
  await createNamespace(tenant, { 'pod-security.kubernetes.io/enforce': 'restricted', 'istio.io/dataplane-mode': 'ambient' });
  const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  for (const object of shippedRbac(operatorNamespace, run)) await objects.create(object);
  // The worker's ClusterRole as it was before the policy: bound to a ServiceAccount the policy does not match.
  await core.createNamespacedServiceAccount({ namespace: operatorNamespace, body: { metadata: { name: 'worker-before-policy' } } });
  await adminKubeConfig().makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
    body: {
      metadata: { name: `${run}-before` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `kagenti-waypoint-worker-${run}` },
      subjects: [{ kind: 'ServiceAccount', name: 'worker-before-policy', namespace: operatorNamespace }],
    },
  });
  await createAgentDeployment(tenant, 'agent');
  await Promise.all([
    core.createNamespacedSecret({ namespace: tenant, body: { metadata: { name: 'user-data' }, stringData: { token: 'tenant-token' } } }),
    core.createNamespacedSecret({ namespace: operatorNamespace, body: { metadata: { name: ADMIN_SECRET }, stringData: { KEYCLOAK_ADMIN_PASSWORD: 'x' } } }),
    core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name: `${run}-system` }, stringData: { key: 'system-key' } } }),
    custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: tenant,
      plural: 'gateways',
      body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'ingress' }, spec: { gatewayClassName: 'other', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
    }),
  ]);
  const load = async (name: string) => {
    const kc = new KubeConfig();
    kc.loadFromFile(await serviceAccountKubeconfig(scratch, operatorNamespace, name));
    return kc;
  };
  tokens.worker = await load('kagenti-waypoint-worker');
  tokens.workerBefore = await load('worker-before-policy');
  tokens.watcher = await load('kagenti-waypoint-watcher');
  removePolicy = await applyShippedAdmissionPolicy(run, tokens.worker, tenant);
}, 60_000);

afterAll(async () => {
  await removePolicy?.();
  await adminKubeConfig().makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: `${run}-before` }).catch(() => undefined);
  await core.deleteNamespacedSecret({ namespace: 'kube-system', name: `${run}-system` }).catch(() => undefined);
  // Its agent namespace would otherwise wake the provisioners of later test files.
  await Promise.all([tenant, operatorNamespace].map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
  rmSync(scratch, { recursive: true, force: true });
});

type Outcome = 'allowed' | 'refused by RBAC' | 'refused by the policy';
interface Row {
  action: string;
  /** With the worker's ClusterRole and no admission policy; for the watcher, nothing changed. */
  before: Outcome;
  now: Outcome;
  attempt: (kc: KubeConfig) => Promise<unknown>;
}

const coreOf = (kc: KubeConfig) => kc.makeApiClient(CoreV1Api);
const gateways = { group: 'gateway.networking.k8s.io', version: 'v1', namespace: tenant, plural: 'gateways' };

const workerRows: Row[] = [
  { action: "read a tenant's own Secret", before: 'allowed', now: 'allowed', attempt: (kc) => coreOf(kc).readNamespacedSecret({ namespace: tenant, name: 'user-data' }) },
  { action: 'read a Secret in kube-system', before: 'allowed', now: 'allowed', attempt: (kc) => coreOf(kc).readNamespacedSecret({ namespace: 'kube-system', name: `${run}-system` }) },
  { action: 'list every Secret of the cluster, with their data', before: 'allowed', now: 'allowed', attempt: (kc) => coreOf(kc).listSecretForAllNamespaces({ limit: 1 }) },
  { action: "read the operator namespace's Keycloak admin Secret", before: 'allowed', now: 'allowed', attempt: (kc) => coreOf(kc).readNamespacedSecret({ namespace: operatorNamespace, name: ADMIN_SECRET }) },
  {
    action: "overwrite a tenant's Secret",
    before: 'allowed',
    now: 'refused by the policy',
    attempt: (kc) => coreOf(kc).patchNamespacedSecret({ namespace: tenant, name: 'user-data', body: { stringData: { token: 'stolen' } }, ...DRY }, MERGE_PATCH),
  },
  { action: "delete a tenant's Secret", before: 'allowed', now: 'refused by the policy', attempt: (kc) => coreOf(kc).deleteNamespacedSecret({ namespace: tenant, name: 'user-data', ...DRY }) },
  {
    action: "delete the operator namespace's Keycloak admin Secret",
    before: 'allowed',
    now: 'refused by the policy',
    attempt: (kc) => coreOf(kc).deleteNamespacedSecret({ namespace: operatorNamespace, name: ADMIN_SECRET, ...DRY }),
  },
  {
    action: "mint a token of a namespace's ServiceAccount (a Secret of type service-account-token)",
    before: 'allowed',
    now: 'refused by the policy',
    attempt: (kc) =>
      coreOf(kc).createNamespacedSecret({
        namespace: 'kube-system',
        body: { metadata: { name: `${run}-token`, annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token' },
        ...DRY,
      }),
  },
  {
    action: 'request a token of a ServiceAccount (TokenRequest)',
    before: 'refused by RBAC',
    now: 'refused by RBAC',
    attempt: (kc) => coreOf(kc).createNamespacedServiceAccountToken({ namespace: tenant, name: 'default', body: { spec: { audiences: [] } }, ...DRY }),
  },
  {
    action: "lower a Namespace's Pod Security level",
    before: 'allowed',
    now: 'refused by the policy',
    attempt: (kc) => coreOf(kc).patchNamespace({ name: tenant, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, ...DRY }, MERGE_PATCH),
  },
  {
    action: 'take a Namespace out of the ambient mesh (remove istio.io/dataplane-mode)',
    before: 'allowed',
    now: 'allowed',
    attempt: (kc) => coreOf(kc).patchNamespace({ name: tenant, body: { metadata: { labels: { 'istio.io/dataplane-mode': null } } }, ...DRY }, MERGE_PATCH),
  },
  {
    action: "change a Deployment's image",
    before: 'allowed',
    now: 'refused by the policy',
    attempt: (kc) =>
      kc.makeApiClient(AppsV1Api).patchNamespacedDeployment(
        { namespace: tenant, name: 'agent', body: { spec: { template: { spec: { containers: [{ name: 'agent', image: 'example.invalid/thief' }] } } } }, ...DRY },
        MERGE_PATCH,
      ),
  },
  {
    action: 'scale a Deployment',
    before: 'allowed',
    now: 'refused by the policy',
    attempt: (kc) => kc.makeApiClient(AppsV1Api).patchNamespacedDeployment({ namespace: tenant, name: 'agent', body: { spec: { replicas: 0 } }, ...DRY }, MERGE_PATCH),
  },
  {
    action: 'create a Pod',
    before: 'refused by RBAC',
    now: 'refused by RBAC',
    attempt: (kc) => coreOf(kc).createNamespacedPod({ namespace: tenant, body: { metadata: { name: 'thief' }, spec: { containers: [{ name: 'c', image: 'example.invalid/thief' }] } }, ...DRY }),
  },
  {
    action: 'bind itself cluster-admin',
    before: 'refused by RBAC',
    now: 'refused by RBAC',
    attempt: (kc) =>
      kc.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
        body: { metadata: { name: `${run}-escalate` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'thief' }] },
        ...DRY,
      }),
  },
  {
    action: 'delete a Gateway that is not a waypoint',
    before: 'allowed',
    now: 'refused by the policy',
    attempt: (kc) => kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...gateways, name: 'ingress', dryRun: 'All' }),
  },
  {
    action: 'create a waypoint Gateway in any namespace',
    before: 'allowed',
    now: 'allowed',
    attempt: (kc) =>
      kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
        ...gateways,
        body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: waypointGatewayName(tenant) }, spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] } },
        dryRun: 'All',
      }),
  },
  {
    action: 'record an Event in any namespace',
    before: 'allowed',
    now: 'allowed',
    attempt: (kc) =>
      coreOf(kc).createNamespacedEvent({ namespace: 'kube-system', body: {
          metadata: { name: `${run}-event` },
          involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: 'kube-system', namespace: 'kube-system' },
          type: 'Warning',
          reason: 'Thief',
          message: 'forged',
          source: { component: 'kagenti-waypoint-provisioner' },
        }, ...DRY }),
  },
];

const watcherRows: Row[] = [
  { action: 'get a Secret by name', before: 'refused by RBAC', now: 'refused by RBAC', attempt: (kc) => coreOf(kc).readNamespacedSecret({ namespace: tenant, name: 'user-data' }) },
  {
    action: "list a namespace's Secrets, with their data",
    before: 'allowed',
    now: 'allowed',
    attempt: async (kc) => {
      const list = await coreOf(kc).listNamespacedSecret({ namespace: tenant, fieldSelector: 'metadata.name=user-data' });
      // The data comes with the list: RBAC cannot grant list without it.
      if (!list.items[0]?.data?.token) throw new Error('no data in the list');
    },
  },
  { action: 'list every Secret of the cluster, with their data', before: 'allowed', now: 'allowed', attempt: (kc) => coreOf(kc).listSecretForAllNamespaces({ limit: 1 }) },
  { action: 'create a Secret', before: 'refused by RBAC', now: 'refused by RBAC', attempt: (kc) => coreOf(kc).createNamespacedSecret({ namespace: tenant, body: { metadata: { name: 'thief' } }, ...DRY }) },
  {
    action: 'patch a Namespace',
    before: 'refused by RBAC',
    now: 'refused by RBAC',
    attempt: (kc) => coreOf(kc).patchNamespace({ name: tenant, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, ...DRY }, MERGE_PATCH),
  },
  { action: 'delete a Pod', before: 'refused by RBAC', now: 'refused by RBAC', attempt: (kc) => coreOf(kc).deleteCollectionNamespacedPod({ namespace: tenant, ...DRY }) },
  {
    action: 'patch a Deployment',
    before: 'refused by RBAC',
    now: 'refused by RBAC',
    attempt: (kc) => kc.makeApiClient(AppsV1Api).patchNamespacedDeployment({ namespace: tenant, name: 'agent', body: { spec: { replicas: 0 } }, ...DRY }, MERGE_PATCH),
  },
];

describe('a stolen worker token', () => {
  test.each(workerRows.map((row) => [row.action, row] as const))('%s', async (_action, row) => {
    const outcome = { before: await outcomeOf(() => row.attempt(tokens.workerBefore)), now: await outcomeOf(() => row.attempt(tokens.worker)) };
    expect(outcome).toEqual({ before: row.before, now: row.now });
  });
});

describe('a stolen watcher token', () => {
  test.each(watcherRows.map((row) => [row.action, row] as const))('%s', async (_action, row) => {
    expect(await outcomeOf(() => row.attempt(tokens.watcher))).toBe(row.now);
  });
});

/** The table as docs/security.md shows it, printed by the run that proved it. */
afterAll(() => {
  const line = (who: string, row: Row) => `| ${who} | ${row.action} | ${row.before} | ${row.now} |`;
  console.log(['| token | action | before | now |', '|---|---|---|---|', ...workerRows.map((r) => line('worker', r)), ...watcherRows.map((r) => line('watcher', r))].join('\n'));
});
