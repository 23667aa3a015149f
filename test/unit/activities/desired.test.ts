import { desiredWaypointGateway } from '../../../model/waypoint-gateway';
import { ambientLabels, audienceScopeName } from '../../../model/names';
import { clientDrift, mergeClient } from '../../../activities/keycloak/compare';
import { desiredClient } from '../../../activities/keycloak/desired';
import { keycloakSettings } from '../../fixtures/keycloak-settings';

const settings = keycloakSettings;

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

});

describe('Keycloak client', () => {
  test('federated-jwt adds the issuer and subject attributes', () => {
    const client = desiredClient('team1', 'weather', 'team1/weather', { ...settings, clientAuthType: 'federated-jwt', tokenExchangeEnabled: false });
    expect(client.attributes).toMatchObject({ 'jwt.credential.issuer': 'spire-spiffe', 'jwt.credential.sub': 'team1/weather', 'standard.token.exchange.enabled': 'false' });
    expect(audienceScopeName('team1', 'weather')).toBe('agent-team1/weather-aud');
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
