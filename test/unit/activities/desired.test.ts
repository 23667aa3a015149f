import { ambientLabels, credentialsSecretName, desiredWaypointGateway, waypointGatewayName } from '../../../activities/kubernetes/desired';
import { clientDrift, mergeClient } from '../../../activities/keycloak/compare';
import { audienceScopeName, desiredClient, keycloakClientId } from '../../../activities/keycloak/desired';
import { keycloakSettings } from '../../fixtures/keycloak-settings';

const settings = keycloakSettings;

describe('credentials Secret name (spec §5 test vectors)', () => {
  test.each([
    ['team1', 'weather-agent', 'kagenti-keycloak-client-credentials-a325925866a45ebf'],
    ['e2e-clientreg-test', 'clientreg-agent', 'kagenti-keycloak-client-credentials-7c6175c122ff8006'],
  ])('%s/%s → %s', (namespace, workload, expected) => {
    expect(credentialsSecretName(namespace, workload)).toBe(expected);
  });
});

describe('waypoint Gateway and labels', () => {
  test('the Gateway is <namespace>-waypoint with exactly the spec fields', () => {
    expect(desiredWaypointGateway('team1')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'team1-waypoint', namespace: 'team1', labels: { 'istio.io/waypoint-for': 'all' } },
      spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
    });
    expect(ambientLabels('team1')).toEqual({ 'istio-discovery': 'enabled', 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'team1-waypoint' });
  });

  test('at the Kubernetes length limit the name still fits a label value and stays unique', () => {
    const longest = 'a'.repeat(63); // a namespace name may have 63 characters
    const other = `${'a'.repeat(62)}b`;
    expect(waypointGatewayName('a'.repeat(54))).toBe(`${'a'.repeat(54)}-waypoint`); // 63: unchanged
    for (const ns of [longest, other, 'a'.repeat(55)]) {
      const name = waypointGatewayName(ns);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.endsWith('-waypoint')).toBe(true);
    }
    expect(waypointGatewayName(longest)).not.toBe(waypointGatewayName(other));
  });
});

describe('Keycloak client', () => {
  test('clientId is <namespace>/<workload>, or the SPIFFE id of its ServiceAccount with SPIRE', () => {
    expect(keycloakClientId('team1', { name: 'weather', serviceAccountName: 'weather-sa' }, settings, '')).toBe('team1/weather');
    expect(keycloakClientId('team1', { name: 'weather', serviceAccountName: 'weather-sa' }, { spireEnabled: true }, 'example.org')).toBe(
      'spiffe://example.org/ns/team1/sa/weather-sa',
    );
  });

  test.each([[''], ['default']])('SPIRE with service account %p is a clear, non-retryable error', (sa) => {
    expect(() => keycloakClientId('team1', { name: 'weather', serviceAccountName: sa }, { spireEnabled: true }, 'example.org')).toThrow(
      expect.objectContaining({ type: 'InvalidWorkloadSpec', nonRetryable: true, message: expect.stringContaining('team1/weather') }),
    );
  });

  test('federated-jwt adds the issuer and subject attributes', () => {
    const client = desiredClient('team1', 'weather', 'team1/weather', { ...settings, clientAuthType: 'federated-jwt', tokenExchangeEnabled: false });
    expect(client.attributes).toMatchObject({ 'jwt.credential.issuer': 'spire-spiffe', 'jwt.credential.sub': 'team1/weather', 'standard.token.exchange.enabled': 'false' });
    expect(audienceScopeName('team1', 'weather')).toBe('agent-team1-weather-aud');
  });

  test('drift compares only the fields the provisioner owns, and a merge keeps the server fields', () => {
    const desired = desiredClient('team1', 'weather', 'team1/weather', settings);
    const live = { ...desired, id: 'x', rootUrl: 'https://kept', attributes: { ...desired.attributes, 'other.attribute': 'kept' } };
    expect(clientDrift(live, desired)).toEqual([]);
    const drifted = { ...live, fullScopeAllowed: true, attributes: { ...live.attributes, 'standard.token.exchange.enabled': 'false' } };
    expect(clientDrift(drifted, desired)).toEqual(['fullScopeAllowed', 'attributes.standard.token.exchange.enabled']);
    expect(mergeClient(drifted, desired)).toMatchObject({ id: 'x', rootUrl: 'https://kept', fullScopeAllowed: false, attributes: { 'other.attribute': 'kept', 'standard.token.exchange.enabled': 'true' } });
  });
});
