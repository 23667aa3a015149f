import { approvedRealms, realmAddress } from '../../../activities/kubernetes/config';

describe('realms a namespace config may name', () => {
  test('by default only the operator config’s own realm; none without an operator config', () => {
    expect([...approvedRealms(undefined).approved]).toEqual([]);
    expect([...approvedRealms({ KEYCLOAK_URL: 'https://sso.example.org/', KEYCLOAK_REALM: 'kagenti' }).approved]).toEqual(['https://sso.example.org/realms/kagenti']);
  });

  test('APPROVED_KEYCLOAK_REALMS lists <url>/realms/<realm>, by spaces, commas or lines; others are returned as invalid', () => {
    const { approved, invalid } = approvedRealms({
      APPROVED_KEYCLOAK_REALMS: 'https://SSO.example.org:443/auth/realms/team-a, http://keycloak.kagenti.svc:8080/realms/team-b\nkeycloak/realms/x https://sso.example.org/realms/ ftp://x/realms/y',
    });
    expect([...approved].sort()).toEqual(['http://keycloak.kagenti.svc:8080/realms/team-b', 'https://sso.example.org/auth/realms/team-a']);
    expect(invalid).toEqual(['keycloak/realms/x', 'https://sso.example.org/realms/', 'ftp://x/realms/y']);
  });

  test('a realm is compared in its canonical form: exact scheme, host, port, path and realm', () => {
    const { approved } = approvedRealms({ APPROVED_KEYCLOAK_REALMS: 'https://sso.example.org/realms/kagenti' });
    expect(approved.has(realmAddress({ url: 'https://sso.example.org:443//', realm: 'kagenti' }))).toBe(true);
    for (const other of [
      { url: 'http://sso.example.org', realm: 'kagenti' }, // plain http only where approved as such
      { url: 'https://sso.example.org:8443', realm: 'kagenti' },
      { url: 'https://sso.example.org.evil.example', realm: 'kagenti' },
      { url: 'https://sso.example.org/other', realm: 'kagenti' },
      { url: 'https://sso.example.org', realm: 'master' },
    ]) {
      expect(approved.has(realmAddress(other))).toBe(false);
    }
  });
});
