import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import pino from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_SECRET, credentialsSecretName, snapshotSecretName } from '../../../model/names';
import { auditEventsOf, selectorsOf, serviceAccountUser, type AuditEvent } from '../../harness/audit';
import { ensureIstioFootprint } from '../../../tools/local/istio-footprint';
import { startLeaderElection } from '../../../watcher/leader-election';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { approveUpdate, rollbackUpdate } from '../../../workflows/migration/messages';
import { apps, core, createAgentDeployment, createNamespace, eventReasons, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { awaitingGate, captureState, createSidecarNamespace, startMigration } from '../../harness/migration';
import { startProvisioner, TestProvisioner } from '../../harness/provisioner';
import { applyShippedAdmissionPolicy, serviceAccountKubeconfig, shippedRbac, shippedRbacObjects } from '../../harness/rbac';
import { adminKubeConfig, keycloakAdmin, uniqueName } from '../../harness/stack';

let provisioner: TestProvisioner;
let scratch: string;
let workerKubeconfig: string;
let watcherKubeconfig: string;
let removePolicy: (() => Promise<void>) | undefined;
const operatorNamespace = uniqueName('op-rbac');
/** The namespaces this file provisions and migrates: the Secrets there that the provisioner may touch are known by name. */
const provisioned: string[] = [];
const migrated: string[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kwp-rbac-'));
  await createNamespace(operatorNamespace);
  const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  for (const object of shippedRbac(operatorNamespace, operatorNamespace)) await objects.create(object);
  workerKubeconfig = await serviceAccountKubeconfig(scratch, operatorNamespace, 'kagenti-waypoint-worker');
  watcherKubeconfig = await serviceAccountKubeconfig(scratch, operatorNamespace, 'kagenti-waypoint-watcher');
  // The shipped admission policy confines the worker's ServiceAccount for the whole run.
  const worker = new KubeConfig();
  worker.loadFromFile(workerKubeconfig);
  removePolicy = await applyShippedAdmissionPolicy(operatorNamespace, worker, operatorNamespace);
  provisioner = await startProvisioner({ operatorNamespace, watcherKubeconfig, settings: { kubeconfig: workerKubeconfig } });
});
afterAll(async () => {
  await provisioner?.stop();
  await removePolicy?.();
  rmSync(scratch, { recursive: true, force: true });
});

test('the shipped RBAC has no wildcard anywhere', () => {
  for (const object of shippedRbacObjects()) {
    for (const rule of object.rules ?? []) {
      for (const value of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])]) expect(value).not.toContain('*');
    }
  }
});

test('provisioning, repair and removal work end to end as the shipped ServiceAccounts', async () => {
  const namespace = uniqueName('rbac');
  provisioned.push(namespace);
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  await createAgentDeployment(namespace, 'second');
  const secretName = credentialsSecretName(namespace, 'agent');
  const secret = await eventually(() => readSecretOrUndefined(namespace, secretName), 30_000, 'the credentials Secret');
  await eventually(async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name: 'agent' });
    return d.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name'] === secretName ? true : undefined;
  }, 30_000, 'the annotation');
  expect(await readGateway(namespace, `${namespace}-waypoint`)).toBeDefined();
  expect((await core.readNamespace({ name: namespace })).metadata?.labels?.['istio.io/dataplane-mode']).toBe('ambient');
  await eventually(async () => ((await core.readNamespace({ name: namespace })).metadata?.annotations?.['kagenti.io/waypoint-provisioning-status'] ? true : undefined), 10_000, 'the status annotation');
  expect(await eventReasons(namespace)).toEqual(expect.arrayContaining(['WaypointCreated', 'CredentialsSecretCreated']));

  // Drift seen by the watcher's rights, repaired with the worker's.
  await core.deleteNamespacedSecret({ namespace, name: secretName });
  await eventually(async () => {
    const s = await readSecretOrUndefined(namespace, secretName);
    return s && s.metadata?.uid !== secret.metadata?.uid ? true : undefined;
  }, 20_000, 'the Secret recreated');

  // A workload removed, then the namespace.
  await apps.deleteNamespacedDeployment({ namespace, name: 'second' });
  const admin = await keycloakAdmin();
  await eventually(async () => ((await admin.clients.find({ clientId: `${namespace}/second` })).length === 0 ? true : undefined), 20_000, 'the client removed');
  await core.deleteNamespace({ name: namespace });
  expect(await provisioner.client.workflow.getHandle(namespaceWorkflowId(namespace)).result()).toBe('deleted');
  expect(await admin.clients.find({ clientId: `${namespace}/agent` })).toEqual([]);
});

test('the watcher ServiceAccount can hold the leader Lease in the operator namespace, and write nothing else', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(watcherKubeconfig);
  let led = false;
  const election = startLeaderElection(
    kc,
    { namespace: operatorNamespace, name: 'kagenti-waypoint-watcher', identity: 'rbac-test', leaseDurationSeconds: 5, renewIntervalSeconds: 0.5 },
    { onStartedLeading: () => (led = true), onStoppedLeading: () => undefined },
    pino({ level: 'silent' }),
  );
  try {
    await eventually(async () => (led ? true : undefined), 10_000, 'leadership');
  } finally {
    await election.stop();
  }
  const asWatcher = kc.makeApiClient(CoreV1Api);
  await expect(asWatcher.createNamespacedSecret({ namespace: operatorNamespace, body: { metadata: { name: 'nope' } } })).rejects.toMatchObject({ code: 403 });
  await expect(asWatcher.patchNamespace({ name: operatorNamespace, body: { metadata: { labels: { x: 'y' } } } })).rejects.toMatchObject({ code: 403 });
});

test('a migration, and its rollback from the last gate, work as the shipped worker ServiceAccount', async () => {
  await ensureIstioFootprint(adminKubeConfig());
  const completed = await createSidecarNamespace(['agent'], 'rbac-mig');
  migrated.push(completed);
  const done = await startMigration(provisioner.client, provisioner.settings.taskQueue, { namespace: completed, requireApproval: false });
  expect(await done.result()).toEqual({ outcome: 'completed' });

  const rolledBack = await createSidecarNamespace(['agent'], 'rbac-mig');
  migrated.push(rolledBack);
  const before = await captureState(rolledBack);
  const handle = await startMigration(provisioner.client, provisioner.settings.taskQueue, { namespace: rolledBack });
  for (const gate of ['preflight', 'snapshot', 'prepare', 'wave-1']) {
    await awaitingGate(handle, gate);
    await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
  }
  await awaitingGate(handle, 'cleanup');
  await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'rbac test' }] });
  expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: 'rbac test' });
  expect(await captureState(rolledBack)).toEqual(before);
});

// The apiserver's own record of the run above (tools/stack logs every ServiceAccount's requests):
// which Secrets the worker and the watcher touched, and what the worker wrote.
describe("the apiserver's audit log of this run", () => {
  const worker = serviceAccountUser(operatorNamespace, 'kagenti-waypoint-worker');
  const watcher = serviceAccountUser(operatorNamespace, 'kagenti-waypoint-watcher');
  const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
  const describeEvent = (e: AuditEvent) => `${e.user.username.split(':').pop()} ${e.verb} ${e.requestURI} -> ${e.responseStatus?.code}`;
  let events: AuditEvent[];
  beforeAll(() => {
    // Less the dry runs by which the harness waits for the admission policy to be enforced.
    events = auditEventsOf([worker, watcher]).filter((e) => !selectorsOf(e).dryRun);
  });

  test('records the provisioner\'s requests', () => {
    expect(events.filter((e) => e.user.username === worker && WRITES.has(e.verb)).length).toBeGreaterThan(10);
    expect(events.filter((e) => e.user.username === watcher).length).toBeGreaterThan(5);
  });

  test('the worker touched no Secret it does not own: its credentials Secrets, its snapshots, the legacy Secrets of the namespaces it migrated, and only reads the admin Secret', () => {
    // This provisioner also provisions agent namespaces other test files left on the stack: its
    // credentials Secrets are known there by their name's form only.
    const credentialsName = /^kagenti-keycloak-client-credentials-[0-9a-f]{16}$/;
    const owned = (namespace: string, name: string, verb: string) =>
      // The admin Secret in the operator namespace; in any other, a pass checks that none is there (404 here).
      (name === ADMIN_SECRET && verb === 'get') ||
      (provisioned.includes(namespace) && ['agent', 'second'].some((w) => name === credentialsSecretName(namespace, w))) ||
      (namespace !== operatorNamespace && credentialsName.test(name)) ||
      (migrated.includes(namespace) && ['agent-client-registration', ADMIN_SECRET].includes(name)) ||
      (namespace === operatorNamespace && migrated.some((n) => name === snapshotSecretName(n)));
    const listed = (e: AuditEvent) => {
      const { labelSelector, fieldSelector } = selectorsOf(e);
      // The Keycloak audit's list of its credentials Secrets, cluster-wide, by label; a migration's
      // snapshot lists the Secrets of the namespace it holds (their names; the legacy ones in full);
      // the worker's watched copy of the admin Secret, by name, in the operator namespace.
      return (
        (!e.objectRef?.namespace && labelSelector === 'app.kubernetes.io/managed-by=kagenti-waypoint-provisioner') ||
        migrated.includes(e.objectRef?.namespace ?? '') ||
        (e.objectRef?.namespace === operatorNamespace && fieldSelector === `metadata.name=${ADMIN_SECRET}`)
      );
    };
    const touched = events.filter((e) => e.user.username === worker && e.objectRef?.resource === 'secrets');
    const foreign = touched.filter((e) => {
      if (e.verb === 'list' || e.verb === 'watch') return !listed(e);
      const name = e.objectRef?.name ?? ((e.requestObject as { metadata?: { name?: string } })?.metadata?.name ?? '');
      return !owned(e.objectRef?.namespace ?? '', name, e.verb);
    });
    expect(foreign.map(describeEvent)).toEqual([]);
    expect(touched.length).toBeGreaterThan(0);
  });

  test('the watcher read Secrets only through its two selectors and wrote nothing but its Lease', () => {
    const watcherEvents = events.filter((e) => e.user.username === watcher);
    const secretReads = watcherEvents.filter((e) => e.objectRef?.resource === 'secrets' && e.responseStatus?.code !== 403);
    const unselected = secretReads.filter((e) => {
      const { labelSelector, fieldSelector } = selectorsOf(e);
      const managed = !e.objectRef?.namespace && labelSelector === 'app.kubernetes.io/managed-by=kagenti-waypoint-provisioner';
      const admin = e.objectRef?.namespace === operatorNamespace && fieldSelector === `metadata.name=${ADMIN_SECRET}`;
      return !(['list', 'watch'].includes(e.verb) && (managed || admin));
    });
    expect(unselected.map(describeEvent)).toEqual([]);
    const writes = watcherEvents.filter((e) => WRITES.has(e.verb) && e.responseStatus?.code !== 403 && e.objectRef?.resource !== 'leases');
    expect(writes.map(describeEvent)).toEqual([]);
  });

  test('the worker wrote only the kinds and fields the admission policy allows it, and was refused nothing', () => {
    const writes = events.filter((e) => e.user.username === worker && WRITES.has(e.verb));
    const kinds = new Set(['namespaces', 'deployments', 'statefulsets', 'secrets', 'gateways', 'events']);
    expect(writes.filter((e) => !kinds.has(e.objectRef?.resource ?? '') || e.objectRef?.subresource).map(describeEvent)).toEqual([]);
    // A pass that ends as its namespace is deleted may meet the apiserver's refusal of new content in
    // a terminating namespace (an Event): that is the namespace's life, not a right it lacks.
    const terminating = (e: AuditEvent) => e.responseStatus?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') ?? false;
    expect(events.filter((e) => e.user.username === worker && e.responseStatus?.code === 403 && !terminating(e)).map(describeEvent)).toEqual([]);

    // The bodies of its patches of Namespaces and workloads: which keys they set or remove.
    const namespaceKeys = new Set(['istio-discovery', 'istio.io/dataplane-mode', 'istio.io/use-waypoint', 'istio-injection', 'kagenti.io/waypoint-provisioning-status', 'kagenti.io/waypoint-changed-by-pass', 'kagenti.io/waypoint-migration']);
    const templatePaths = new Set(['/metadata/resourceVersion', '/spec/template/metadata', '/spec/template/metadata/labels', '/spec/template/metadata/annotations']);
    const outside: string[] = [];
    for (const e of writes) {
      const body = e.requestObject as Record<string, any> | undefined;
      if (e.objectRef?.resource === 'namespaces') {
        const { labels = {}, annotations = {}, ...rest } = body?.metadata ?? {};
        const keys = [...Object.keys(labels), ...Object.keys(annotations)];
        if (Object.keys(body ?? {}).some((k) => k !== 'metadata') || Object.keys(rest).length || keys.some((k) => !namespaceKeys.has(k))) outside.push(`${describeEvent(e)} ${JSON.stringify(body)}`);
      } else if (e.objectRef?.resource === 'deployments' || e.objectRef?.resource === 'statefulsets') {
        const ok = Array.isArray(body)
          ? body.every((op: { path: string }) => templatePaths.has(op.path))
          : JSON.stringify(Object.keys(body ?? {})) === '["spec"]' && JSON.stringify(Object.keys(body!.spec)) === '["template"]' &&
            JSON.stringify(Object.keys(body!.spec.template)) === '["metadata"]' && JSON.stringify(Object.keys(body!.spec.template.metadata)) === '["annotations"]' &&
            JSON.stringify(Object.keys(body!.spec.template.metadata.annotations)) === '["kagenti.io/keycloak-client-credentials-secret-name"]';
        if (!ok) outside.push(`${describeEvent(e)} ${JSON.stringify(body)}`);
      }
    }
    expect(outside).toEqual([]);
    expect(writes.filter((e) => e.objectRef?.resource === 'namespaces' && e.requestObject).length).toBeGreaterThan(0);
  });
});
