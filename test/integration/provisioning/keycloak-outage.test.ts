import { credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { getStatusQuery } from '../../../workflows/messages';
import { startStoppedComponent, stopComponent } from '../../../tools/stack/stack';
import { core, createAgentDeployment, createNamespace, decode, eventReasons, provisionerEvents, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

const OUTAGE_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The stack's real istiod programs the waypoints.
const provisioner = provisionedSuite();

/** Freezes Keycloak (its whole process group): it neither answers nor refuses, the harder kind of outage. */
function signalKeycloak(signal: 'SIGSTOP' | 'SIGCONT'): void {
  process.kill(-testStack().components.keycloak!.pid, signal);
}

/** How long after the namespace's creation its first Warning `reason` was recorded (the API's timestamps, whole seconds). */
async function warningDelayMs(namespace: string, reason: string): Promise<number> {
  const warning = await eventually(
    async () => (await provisionerEvents(namespace)).find((e) => e.type === 'Warning' && e.reason === reason),
    30_000,
    `a Warning ${reason} in ${namespace}`,
  );
  const created = (await core.readNamespace({ name: namespace })).metadata!.creationTimestamp!;
  return new Date(warning.firstTimestamp!).getTime() - new Date(created).getTime();
}

test('Keycloak unresponsive for 60 s mid-run: reported by name within 10 s, and everything completes once it answers again', async () => {
  const prefix = uniqueName('kc-outage');
  const namespaces = [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`);
  signalKeycloak('SIGSTOP');
  const stopped = Date.now();
  let reportedMs: number | undefined;
  try {
    for (const ns of namespaces) {
      await createNamespace(ns);
      await createAgentDeployment(ns, 'agent');
    }
    // What does not need Keycloak goes ahead meanwhile.
    for (const ns of namespaces) await eventually(() => readGateway(ns, `${ns}-waypoint`), 20_000, `the Gateway of ${ns}`);
    // Each namespace says why it waits, where people look, within seconds of its creation.
    const delays = await Promise.all(namespaces.map((ns) => warningDelayMs(ns, 'KeycloakUnreachable')));
    reportedMs = Math.max(...delays);
    expect(reportedMs).toBeLessThanOrEqual(10_000);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stopped)));
    for (const ns of namespaces) expect(await readSecretOrUndefined(ns, credentialsSecretName(ns, 'agent'))).toBeUndefined();
  } finally {
    signalKeycloak('SIGCONT');
  }

  const resumed = Date.now();
  for (const ns of namespaces) await eventually(() => readSecretOrUndefined(ns, credentialsSecretName(ns, 'agent')), 90_000, `the Secret of ${ns}`);
  console.log(`Keycloak unresponsive: each namespace reported KeycloakUnreachable at most ${reportedMs} ms after its creation, all healed ${Date.now() - resumed} ms after it answered again`);
  const admin = await keycloakAdmin();
  for (const ns of namespaces) {
    const status = await eventually(async () => {
      const s = await provisioner().client.workflow.getHandle(namespaceWorkflowId(ns)).query(getStatusQuery);
      return s.last?.phase === 'Ready' ? s : undefined;
    }, 30_000, `${ns} Ready`);
    expect(status.last!.workloads).toEqual([expect.objectContaining({ name: 'agent', state: 'registered' })]);
    const reasons = await eventReasons(ns);
    expect(reasons).not.toContain('ClientRegistrationFailed');
    expect(reasons).toContain('KeycloakUnreachableCleared');
    // One Warning for the whole outage, counted by each pass that found Keycloak still away (5 s, 10 s, 20 s, ... apart): no flood.
    const warnings = (await provisionerEvents(ns)).filter((e) => e.reason === 'KeycloakUnreachable');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].count).toBeGreaterThanOrEqual(3);
    expect(new Date(warnings[0].lastTimestamp!).getTime()).toBeGreaterThan(new Date(warnings[0].firstTimestamp!).getTime());
    expect(await admin.clients.find({ clientId: `${ns}/agent` })).toHaveLength(1);
    // The annotation is written right after the pass's outcome is known.
    await eventually(async () => {
      const annotation = (await core.readNamespace({ name: ns })).metadata?.annotations?.['kagenti.io/waypoint-provisioning-status'];
      return annotation && JSON.parse(annotation).phase === 'Ready' ? true : undefined;
    }, 10_000, `the status annotation of ${ns}`);
    if (ns === namespaces[0]) await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(ns)), 'keycloak-outage');
  }
}, 300_000);

test('Keycloak killed for 60 s (connections refused), then started again with an empty realm: reported within seconds, and every namespace healed', async () => {
  const prefix = uniqueName('kc-killed');
  const namespaces = [0, 1, 2].map((i) => `${prefix}-${i}`);
  await stopComponent(testStack().dir, 'keycloak');
  const killed = Date.now();
  let reportedMs: number | undefined;
  try {
    for (const ns of namespaces) {
      await createNamespace(ns);
      await createAgentDeployment(ns, 'agent');
    }
    const delays = await Promise.all(namespaces.map((ns) => warningDelayMs(ns, 'KeycloakUnreachable')));
    reportedMs = Math.max(...delays);
    expect(reportedMs).toBeLessThanOrEqual(10_000);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killed)));
  } finally {
    // The dev-mode database is in memory: Keycloak comes back with its realm made anew and no client.
    await startStoppedComponent(testStack().dir, 'keycloak');
  }
  const back = Date.now();
  for (const ns of namespaces) await eventually(() => readSecretOrUndefined(ns, credentialsSecretName(ns, 'agent')), 90_000, `the Secret of ${ns}`);
  console.log(`Keycloak killed: each namespace reported KeycloakUnreachable at most ${reportedMs} ms after its creation, all healed ${Date.now() - back} ms after it was back`);
  const admin = await keycloakAdmin();
  for (const ns of namespaces) {
    const [client] = await admin.clients.find({ clientId: `${ns}/agent` });
    const value = (await admin.clients.getClientSecret({ id: client.id! })).value;
    expect(decode((await readSecretOrUndefined(ns, credentialsSecretName(ns, 'agent')))!.data!['client-secret.txt'])).toBe(value);
    expect((await eventReasons(ns)).filter((r) => r === 'KeycloakUnreachable')).toHaveLength(1);
  }
}, 300_000);
