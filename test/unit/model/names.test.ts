import { audienceScopeName, credentialsSecretName, keycloakClientId, legacyAudienceScopeName, waypointGatewayName } from '../../../model/names';
import { keycloakSettings as settings } from '../../fixtures/keycloak-settings';

describe('credentials Secret name (spec §5 test vectors)', () => {
  test.each([
    ['team1', 'weather-agent', 'kagenti-keycloak-client-credentials-a325925866a45ebf'],
    ['e2e-clientreg-test', 'clientreg-agent', 'kagenti-keycloak-client-credentials-7c6175c122ff8006'],
  ])('%s/%s → %s', (namespace, workload, expected) => {
    expect(credentialsSecretName(namespace, workload)).toBe(expected);
  });
});

describe('waypoint Gateway name', () => {
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

describe('Keycloak client id', () => {
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
});

describe('audience scope name', () => {
  test("the spec's form is ambiguous; ours is not, for the pair that collides there", () => {
    expect(legacyAudienceScopeName('a-b', 'c')).toBe(legacyAudienceScopeName('a', 'b-c'));
    expect(audienceScopeName('a-b', 'c')).toBe('agent-a-b/c-aud');
    expect(audienceScopeName('a', 'b-c')).toBe('agent-a/b-c-aud');
  });

  test("at the Kubernetes length limits it fits Keycloak's 255 characters and stays unique", () => {
    const namespace = 'n'.repeat(63); // a namespace name: at most 63
    const workload = `${'w'.repeat(251)}.x`; // a Deployment name: a DNS subdomain of at most 253
    const other = `${'w'.repeat(251)}.y`;
    for (const name of [audienceScopeName(namespace, workload), audienceScopeName(namespace, other)]) {
      expect(name.length).toBeLessThanOrEqual(255);
      expect(name.startsWith(`agent-${namespace}/`)).toBe(true);
      expect(name).toContain('~'); // never in a workload name: no short name can equal a hashed one
    }
    expect(audienceScopeName(namespace, workload)).not.toBe(audienceScopeName(namespace, other));
    expect(audienceScopeName(namespace, 'w'.repeat(180))).toBe(`agent-${namespace}/${'w'.repeat(180)}-aud`); // 255: unchanged
  });
});
