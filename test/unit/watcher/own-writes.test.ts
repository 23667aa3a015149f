import { credentialsSecretName, waypointGatewayName } from '../../../model/names';
import { isNamespaceEcho, isWorkloadEcho, namespaceView, workloadView } from '../../../watcher/own-writes';

const ns = (labels: Record<string, string>, annotations: Record<string, string> = {}, deleting = false) =>
  namespaceView({ metadata: { name: 'team1', labels, annotations, ...(deleting ? { deletionTimestamp: new Date() } : {}) } });

describe('namespace updates', () => {
  const before = ns({ team: 'a' });
  const ambient = { 'istio-discovery': 'enabled', 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': waypointGatewayName('team1') };

  test('the ambient labels set to the provisioner values with the pass\'s mark, and its status annotation, are echoes', () => {
    expect(isNamespaceEcho('team1', before, ns({ team: 'a', ...ambient }))).toBe(true);
    expect(isNamespaceEcho('team1', before, ns({ team: 'a', ...ambient }, { 'kagenti.io/waypoint-changed-by-pass': 'ns-provisioner/team1/run/0' }))).toBe(true);
    expect(isNamespaceEcho('team1', before, ns({ team: 'a' }, { 'kagenti.io/waypoint-provisioning-status': '{"phase":"Ready"}' }))).toBe(true);
  });

  test('a removed or different ambient label, another label, an annotation or a deletion are changes', () => {
    const labelled = ns({ team: 'a', ...ambient });
    expect(isNamespaceEcho('team1', labelled, ns({ team: 'a' }))).toBe(false);
    expect(isNamespaceEcho('team1', before, ns({ team: 'a', 'istio.io/use-waypoint': 'other' }))).toBe(false);
    expect(isNamespaceEcho('team1', before, ns({ team: 'b' }))).toBe(false);
    expect(isNamespaceEcho('team1', before, ns({ team: 'a', 'istio-injection': 'enabled' }))).toBe(false);
    expect(isNamespaceEcho('team1', before, ns({ team: 'a' }, { 'kagenti.io/waypoint-migration': 'ns-migration/team1' }))).toBe(false);
    expect(isNamespaceEcho('team1', before, ns({ team: 'a' }, {}, true))).toBe(false);
  });
});

describe('workload updates', () => {
  const deployment = (generation: number, annotations: Record<string, string> | undefined, image = 'agent:1') =>
    workloadView({
      metadata: { name: 'weather', namespace: 'team1', generation },
      spec: { template: { metadata: annotations ? { annotations } : {}, spec: { containers: [{ name: 'agent', image }] } } } as never,
    });
  const secret = credentialsSecretName('team1', 'weather');

  test('status churn and the credentials annotation set to the provisioner value are echoes', () => {
    expect(isWorkloadEcho('team1', 'weather', deployment(1, {}), deployment(1, {}))).toBe(true);
    expect(isWorkloadEcho('team1', 'weather', deployment(1, { a: 'b' }), deployment(2, { a: 'b', 'kagenti.io/keycloak-client-credentials-secret-name': secret }))).toBe(true);
    // A template without annotations: the provisioner's is the only one after its write.
    expect(isWorkloadEcho('team1', 'weather', deployment(1, undefined), deployment(2, { 'kagenti.io/keycloak-client-credentials-secret-name': secret }))).toBe(true);
  });

  test('a workload first seen by a list and then by a watch is compared by content, not key order', () => {
    const listed = workloadView({
      metadata: { name: 'weather', namespace: 'team1', generation: 1 },
      spec: { template: { spec: { containers: [{ image: 'agent:1', name: 'agent' }] }, metadata: {} } } as never,
    });
    expect(isWorkloadEcho('team1', 'weather', listed, deployment(2, { 'kagenti.io/keycloak-client-credentials-secret-name': secret }))).toBe(true);
  });

  test('the annotation removed or changed, or any other spec change, are changes', () => {
    const annotated = deployment(2, { 'kagenti.io/keycloak-client-credentials-secret-name': secret });
    expect(isWorkloadEcho('team1', 'weather', annotated, deployment(3, {}))).toBe(false);
    expect(isWorkloadEcho('team1', 'weather', annotated, deployment(3, undefined))).toBe(false);
    expect(isWorkloadEcho('team1', 'weather', deployment(1, undefined), deployment(2, { other: 'x' }))).toBe(false);
    expect(isWorkloadEcho('team1', 'weather', deployment(1, {}), deployment(2, { 'kagenti.io/keycloak-client-credentials-secret-name': 'other' }))).toBe(false);
    expect(isWorkloadEcho('team1', 'weather', annotated, deployment(3, { 'kagenti.io/keycloak-client-credentials-secret-name': secret }, 'agent:2'))).toBe(false);
  });
});
