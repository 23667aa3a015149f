import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createActivities } from '../../../activities';
import { readOperatorObjects } from '../../../activities/kubernetes/operator-objects';
import { ensureClient } from '../../../activities/keycloak/clients';
import { desiredClient } from '../../../activities/keycloak/desired';
import { ensureWaypointGateway } from '../../../activities/kubernetes/gateways';
import { kubeClients } from '../../../activities/kubernetes/clients';
import { ensureNamespaceLabels, inspectNamespace } from '../../../activities/kubernetes/namespaces';
import { writeCredentialsSecret } from '../../../activities/kubernetes/secrets';
import { loadSettings } from '../../../config/settings';
import { ADMIN_SECRET, credentialsSecretName } from '../../../model/names';
import { keycloakSettings } from '../../fixtures/keycloak-settings';
import { createAgentDeployment, createNamespace } from '../../harness/cluster';
import { adminSecretData, keycloakAdmin, temporalClient, testStack, uniqueName } from '../../harness/stack';

// A pass's Kubernetes step can act and then lose its result: the worker is killed before the
// workflow task that ran it completes, so the retried task runs the step again and finds the
// change made. What it then reports is decided from the object's own mark (the pass that made the
// change), so the change is still reported, under the same Event key: exactly once. Real apiserver
// and Keycloak.
const k8s = () => kubeClients(testStack().kubernetes.kubeconfig);
const passKey = (ns: string, pass: number) => `ns-provisioner/${ns}/run-1/${pass}`;

test('the ambient labels set by a pass are that pass\'s change when it looks again, and no later pass\'s', async () => {
  const ns = uniqueName('lost-labels');
  await createNamespace(ns);
  expect(await ensureNamespaceLabels(k8s(), ns, true, passKey(ns, 0))).toEqual({ outcome: 'updated' });
  // The retried pass reads the namespace again: the labels are set, and marked as its own change.
  const inspection = await inspectNamespace(k8s(), ns);
  expect(inspection).toMatchObject({ ambientLabelsSet: true, ambientLabelsSetBy: passKey(ns, 0) });
  // A later pass changes nothing and finds another pass's mark.
  expect(await ensureNamespaceLabels(k8s(), ns, false, passKey(ns, 1))).toEqual({ outcome: 'unchanged' });
  expect((await inspectNamespace(k8s(), ns)).ambientLabelsSetBy).toBe(passKey(ns, 0));
});

test('a Gateway created by a pass is reported created when that pass finds it in place, unchanged by any other', async () => {
  const ns = uniqueName('lost-gateway');
  await createNamespace(ns);
  expect(await ensureWaypointGateway(k8s(), ns, { expectNew: true, passKey: passKey(ns, 0) })).toMatchObject({ outcome: 'created' });
  // The same pass, retried: its create meets the Gateway it made.
  expect(await ensureWaypointGateway(k8s(), ns, { expectNew: true, passKey: passKey(ns, 0) })).toMatchObject({ outcome: 'created' });
  // The next pass, and a step with no pass (a migration's): nothing to report.
  expect(await ensureWaypointGateway(k8s(), ns, { passKey: passKey(ns, 1) })).toMatchObject({ outcome: 'unchanged' });
  expect(await ensureWaypointGateway(k8s(), ns)).toMatchObject({ outcome: 'unchanged' });
});

test('a Keycloak client and a credentials Secret created by a pass are reported created when that pass finds them in place', async () => {
  const ns = uniqueName('lost-reg');
  await createNamespace(ns);
  const deployment = await createAgentDeployment(ns, 'agent');
  const owner = { kind: 'Deployment' as const, name: 'agent', uid: deployment.metadata!.uid! };
  const admin = await keycloakAdmin();
  const settings = { ...keycloakSettings, url: testStack().keycloak.url, realm: testStack().keycloak.realm };
  const desired = desiredClient(ns, 'agent', `${ns}/agent`, settings);
  expect(await ensureClient(admin, desired, true, passKey(ns, 0))).toMatchObject({ outcome: 'created' });
  // The same registration retried: its create meets the client it made.
  expect(await ensureClient(admin, desired, true, passKey(ns, 0))).toMatchObject({ outcome: 'created' });
  expect(await ensureClient(admin, desired, false, passKey(ns, 1))).toMatchObject({ outcome: 'unchanged' });

  const secret = () => writeCredentialsSecret(k8s(), ns, `creds-${ns}`.slice(0, 63), owner, `${ns}/agent`, 'not-a-real-secret', { expectNew: true, markKey: passKey(ns, 0) });
  expect(await secret()).toEqual({ outcome: 'created', foundMarked: false });
  expect(await secret()).toEqual({ outcome: 'created', foundMarked: true });
  expect(await writeCredentialsSecret(k8s(), ns, `creds-${ns}`.slice(0, 63), owner, `${ns}/agent`, 'not-a-real-secret', { markKey: passKey(ns, 1) })).toEqual({ outcome: 'unchanged', foundMarked: false });
});

test('a registration whose earlier try made everything and lost its result reports it all once, under its key', async () => {
  const ns = uniqueName('lost-whole');
  await createNamespace(ns);
  const deployment = await createAgentDeployment(ns, 'agent');
  const operatorNamespace = `${ns}-op`;
  await createNamespace(operatorNamespace);
  await k8s().core.createNamespacedSecret({ namespace: operatorNamespace, body: { metadata: { name: ADMIN_SECRET }, stringData: adminSecretData() } });
  const settings = { ...loadSettings([], {}), kubeconfig: testStack().kubernetes.kubeconfig, operatorNamespace };
  const { client } = await temporalClient();
  const { registerWorkload } = createActivities({ k8s: k8s(), settings, log: pino({ level: 'silent' }), temporal: client, operatorObjects: readOperatorObjects(k8s(), operatorNamespace) });
  const keycloak = { ...keycloakSettings, url: testStack().keycloak.url, realm: testStack().keycloak.realm };
  const workload = { kind: 'Deployment' as const, name: 'agent', uid: deployment.metadata!.uid!, serviceAccountName: deployment.spec?.template.spec?.serviceAccountName ?? 'default' };
  const register = (input: { registrationKey: string; annotationSeen: string | null; newWorkload: boolean }) =>
    new MockActivityEnvironment().run(registerWorkload, { namespace: ns, workload, keycloak, ...input });
  const made = { outcome: 'created', secret: 'created', annotation: 'updated' };
  expect(await register({ registrationKey: passKey(ns, 0), annotationSeen: null, newWorkload: true })).toMatchObject(made);
  // Its result lost and its tries used up, the next pass finds the annotation in place and finishes
  // the registration under the same key: each change is reported by this try, none by the first.
  const secretName = credentialsSecretName(ns, 'agent');
  expect(await register({ registrationKey: passKey(ns, 0), annotationSeen: secretName, newWorkload: true })).toMatchObject(made);
  // A registration of another key made none of it.
  expect(await register({ registrationKey: passKey(ns, 2), annotationSeen: secretName, newWorkload: false })).toMatchObject({ outcome: 'unchanged', secret: 'unchanged', annotation: 'unchanged' });
});
