import { kubeClients } from '../../../activities/kubernetes/clients';
import { recordEvent } from '../../../activities/kubernetes/events';
import type { EventInput } from '../../../model/events';
import { createNamespace, provisionerEvents } from '../../harness/cluster';
import { testStack, uniqueName } from '../../harness/stack';

// The recordEvents activity's Event writes against the real apiserver (no workflow needed).
const k8s = kubeClients(testStack().kubernetes.kubeconfig);

test('a lasting problem is one Warning Event whose count each occurrence raises once, retries included', async () => {
  const namespace = uniqueName('event-series');
  await createNamespace(namespace);
  const occurrence = (pass: number, message: string): EventInput => ({
    namespace,
    involved: { kind: 'Namespace', name: namespace },
    type: 'Warning',
    reason: 'KeycloakUnreachable',
    message,
    key: `ns-provisioner/${namespace}/run/${pass}/0`,
    series: `ns-provisioner/${namespace}/run/1/KeycloakUnreachable`,
  });
  await recordEvent(k8s, occurrence(1, 'Keycloak did not answer (1)'));
  await recordEvent(k8s, occurrence(1, 'Keycloak did not answer (1)')); // the same activity retried
  await recordEvent(k8s, occurrence(2, 'Keycloak did not answer (2)'));
  await recordEvent(k8s, occurrence(3, 'Keycloak did not answer (3)'));
  await recordEvent(k8s, occurrence(3, 'Keycloak did not answer (3)')); // retried again

  const events = await provisionerEvents(namespace);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ reason: 'KeycloakUnreachable', type: 'Warning', count: 3, message: 'Keycloak did not answer (3)' });

  // Without a series, each key is an Event of its own, recorded once.
  const once: EventInput = { ...occurrence(4, 'Waypoint Gateway created'), type: 'Normal', reason: 'WaypointCreated', series: undefined };
  await recordEvent(k8s, once);
  await recordEvent(k8s, once);
  expect((await provisionerEvents(namespace)).filter((e) => e.reason === 'WaypointCreated')).toEqual([expect.objectContaining({ count: 1 })]);
});
