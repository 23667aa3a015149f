import { credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { getStatusQuery } from '../../../workflows/messages';
import { core, createAgentDeployment, createNamespace, eventReasons, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { testStack, uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

const OUTAGE_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Istio cannot run here: a stand-in marks waypoints Programmed (tools/local/istio-stand-in.ts).
const provisioner = provisionedSuite();

/** Freezes Keycloak (its whole process group): it neither answers nor refuses, the harder kind of outage. */
function signalKeycloak(signal: 'SIGSTOP' | 'SIGCONT'): void {
  process.kill(-testStack().components.keycloak!.pid, signal);
}

test('Keycloak gone for 30 s mid-run: everything completes once it is back, nothing reported as failed', async () => {
  const prefix = uniqueName('kc-outage');
  const namespaces = [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`);
  signalKeycloak('SIGSTOP');
  try {
    for (const ns of namespaces) {
      await createNamespace(ns);
      await createAgentDeployment(ns, 'agent');
    }
    // What does not need Keycloak goes ahead meanwhile.
    for (const ns of namespaces) await eventually(() => readGateway(ns, `${ns}-waypoint`), 20_000, `the Gateway of ${ns}`);
    await sleep(OUTAGE_MS - 5_000);
    for (const ns of namespaces) expect(await readSecretOrUndefined(ns, credentialsSecretName(ns, 'agent'))).toBeUndefined();
  } finally {
    signalKeycloak('SIGCONT');
  }

  for (const ns of namespaces) {
    await eventually(() => readSecretOrUndefined(ns, credentialsSecretName(ns, 'agent')), 90_000, `the Secret of ${ns}`);
    const status = await eventually(async () => {
      const s = await provisioner().client.workflow.getHandle(namespaceWorkflowId(ns)).query(getStatusQuery);
      return s.last?.phase === 'Ready' ? s : undefined;
    }, 30_000, `${ns} Ready`);
    expect(status.last!.workloads).toEqual([expect.objectContaining({ name: 'agent', state: 'registered' })]);
    expect(await eventReasons(ns)).not.toContain('ClientRegistrationFailed');
    // The annotation is written right after the pass's outcome is known.
    await eventually(async () => {
      const annotation = (await core.readNamespace({ name: ns })).metadata?.annotations?.['kagenti.io/waypoint-provisioning-status'];
      return annotation && JSON.parse(annotation).phase === 'Ready' ? true : undefined;
    }, 10_000, `the status annotation of ${ns}`);
    if (ns === namespaces[0]) await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(ns)), 'keycloak-outage');
  }
}, 240_000);
