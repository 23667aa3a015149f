import { GATEWAY_FIELD_MANAGER } from '../../../model/labels';
import { desiredWaypointGateway, GatewayObject, gatewayDrift, isOwnGateway, isSomeoneElsesGateway, istiodHasAnswered, waypointVerdict } from '../../../model/waypoint-gateway';

// Status shapes as the real istiod writes them (seen on the stack's istiod, Istio 1.31-dev).
const condition = (type: string, status: string, reason: string, message = '', observedGeneration = 1) => ({ type, status, reason, message, observedGeneration });
const accepted = [condition('Accepted', 'True', 'Accepted'), condition('Conflicted', 'False', 'NoConflicts'), condition('Programmed', 'True', 'Programmed'), condition('ResolvedRefs', 'True', 'ResolvedRefs')];

function gateway(status: GatewayObject['status'], generation = 1): GatewayObject {
  const g = desiredWaypointGateway('team1');
  return { ...g, metadata: { ...g.metadata, generation }, status };
}

test('Programmed for the current generation with the mesh listener accepted is ready', () => {
  const verdict = waypointVerdict(gateway({ conditions: [condition('Programmed', 'True', 'Programmed', 'Resource programmed')], listeners: [{ name: 'mesh', conditions: accepted }] }));
  expect(verdict).toEqual({ ready: true, refused: false, reason: 'Programmed', message: 'Resource programmed' });
});

test('a Programmed Gateway whose mesh listener istiod refuses is a refusal with istiod’s reason', () => {
  const refusedListener = [condition('Accepted', 'False', 'UnsupportedProtocol', 'Expected a single listener on port 15008 with protocol "HBONE"'), ...accepted.slice(1)];
  const verdict = waypointVerdict(gateway({ conditions: [condition('Programmed', 'True', 'Programmed')], listeners: [{ name: 'mesh', conditions: refusedListener }] }));
  expect(verdict).toEqual({ ready: false, refused: true, reason: 'UnsupportedProtocol', message: 'istiod refused listener mesh: Expected a single listener on port 15008 with protocol "HBONE"' });
});

test('no status, a status of an older generation, or Programmed=False is not ready, and not final', () => {
  expect(waypointVerdict(gateway(undefined))).toMatchObject({ ready: false, refused: false, reason: 'NoStatus' });
  const older = gateway({ conditions: [condition('Programmed', 'True', 'Programmed', '', 1)], listeners: [{ name: 'mesh', conditions: accepted }] }, 2);
  expect(waypointVerdict(older)).toMatchObject({ ready: false, refused: false, reason: 'StatusStale' });
  const unassigned = gateway({ conditions: [condition('Programmed', 'False', 'AddressNotAssigned', 'no instances found')] });
  expect(waypointVerdict(unassigned)).toEqual({ ready: false, refused: false, reason: 'AddressNotAssigned', message: 'no instances found' });
});

test('listener entries without the mesh listener are a refusal; no listener entries at all is judged by Programmed', () => {
  expect(waypointVerdict(gateway({ conditions: [condition('Programmed', 'True', 'Programmed')], listeners: [{ name: 'other', conditions: accepted }] }))).toMatchObject({ refused: true, reason: 'ListenerMissing' });
  expect(waypointVerdict(gateway({ conditions: [condition('Programmed', 'True', 'Programmed')] }))).toMatchObject({ ready: true });
});

test('a Gateway of the name that the provisioner did not write and that is not a waypoint is someone else’s; a hand-made waypoint is adopted', () => {
  const desired = desiredWaypointGateway('team1');
  // What the provisioner wrote is recorded in managedFields, not in a label or annotation istiod would copy into the waypoint's pods.
  expect(desired.metadata.annotations).toBeUndefined();
  const managedBy = (manager: string) => ({ ...desired.metadata, managedFields: [{ manager }] });
  const theirs = { ...desired, metadata: managedBy('kubectl'), spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };
  expect(isSomeoneElsesGateway(theirs)).toBe(true);
  const handMade = { ...desired, metadata: managedBy('istioctl') };
  expect(isSomeoneElsesGateway(handMade)).toBe(false);
  expect(isOwnGateway(handMade)).toBe(false);
  expect(gatewayDrift(handMade, desired)).toEqual([]);
  // Ours with its class changed by hand is drift to repair, not someone else's.
  const oursDrifted = { ...desired, metadata: managedBy(GATEWAY_FIELD_MANAGER), spec: { ...desired.spec, gatewayClassName: 'istio' } };
  expect(isSomeoneElsesGateway(oursDrifted)).toBe(false);
  expect(gatewayDrift(oursDrifted, desired)).toEqual(['spec.gatewayClassName']);
});

test('istiod has answered once it wrote Programmed True or False for the current generation, not the CRD default', () => {
  const crdDefault = gateway({ conditions: [{ type: 'Programmed', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller' }] });
  expect(istiodHasAnswered(crdDefault)).toBe(false);
  expect(waypointVerdict(crdDefault)).toMatchObject({ ready: false, refused: false, reason: 'Pending' });
  expect(istiodHasAnswered(gateway({ conditions: [condition('Programmed', 'False', 'AddressNotAssigned')] }))).toBe(true);
  expect(istiodHasAnswered(gateway({ conditions: [condition('Programmed', 'True', 'Programmed', '', 1)] }, 2))).toBe(false);
});
