import { ensureWaypointGateway } from '../../../activities/kubernetes/gateways';
import { kubeClients } from '../../../activities/kubernetes/clients';
import { ensureNamespaceLabels, inspectNamespace } from '../../../activities/kubernetes/namespaces';
import { createNamespace } from '../../harness/cluster';
import { testStack, uniqueName } from '../../harness/stack';

// A pass's Kubernetes step can act and then lose its result: the worker is killed before the
// workflow task that ran it completes, so the retried task runs the step again and finds the
// change made. What it then reports is decided from the object's own mark (the pass that made the
// change), so the change is still reported, under the same Event key: exactly once. Real apiserver.
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
