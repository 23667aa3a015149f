import { NetworkError } from '@keycloak/keycloak-admin-client/lib/utils/fetchWithError.js';
import { keycloakFailure } from '../../../activities/keycloak/failure';
import { keycloakUrlProblem } from '../../../activities/kubernetes/config';

const where = { url: 'http://keycloak:8080', realm: 'kagenti', adminSecret: 'kagenti-system/keycloak-admin-secret' };
const answered = (status: number, responseData: unknown) => new NetworkError('failed', { response: { status } as Response, responseData });

test('no answer is KeycloakUnreachable, with the innermost cause in words', () => {
  const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8080') });
  expect(keycloakFailure(refused, 'login', where)).toMatchObject({ type: 'KeycloakUnreachable', message: 'Keycloak at http://keycloak:8080 is unreachable: connect ECONNREFUSED 127.0.0.1:8080' });
});

test('a refused login names the admin Secret; a refused call with a token is not that', () => {
  const refused = answered(401, { error: 'invalid_grant', error_description: 'Invalid user credentials' });
  expect(keycloakFailure(refused, 'login', where)).toMatchObject({
    type: 'KeycloakCredentialsRefused',
    message: 'Keycloak at http://keycloak:8080 refused the admin credentials in Secret kagenti-system/keycloak-admin-secret (invalid_grant: Invalid user credentials)',
  });
  // An expired or revoked token: the session logs in anew on the next try.
  expect(keycloakFailure(answered(401, {}), 'call', where)).toBeUndefined();
});

test('an unknown realm and a server error are named; any other status is left to the caller', () => {
  expect(keycloakFailure(answered(404, { error: 'Realm not found.' }), 'call', where)).toMatchObject({
    type: 'KeycloakRealmNotFound',
    message: 'Realm kagenti does not exist in Keycloak at http://keycloak:8080 (KEYCLOAK_REALM)',
  });
  expect(keycloakFailure(answered(503, 'Service Unavailable'), 'call', where)).toMatchObject({ type: 'KeycloakServerError', message: 'Keycloak at http://keycloak:8080 answered 503: Service Unavailable' });
  expect(keycloakFailure(answered(404, { error: 'Could not find client' }), 'call', where)).toBeUndefined();
  expect(keycloakFailure(new Error('Keycloak client team1/agent does not exist yet'), 'call', where)).toBeUndefined();
});

test("a realm-scoped login to a realm that does not exist is KeycloakRealmNotFound, not refused credentials", () => {
  expect(keycloakFailure(answered(404, { error: 'Realm does not exist' }), 'login', where)).toMatchObject({ type: 'KeycloakRealmNotFound' });
});

test('a 403 says the identity lacks a realm-management role, and names the refused request', () => {
  const forbidden = new NetworkError('HTTP 403 Forbidden', { response: { status: 403, url: 'http://keycloak:8080/admin/realms/kagenti/clients?clientId=x' } as Response, responseData: {} });
  expect(keycloakFailure(forbidden, 'call', where)).toMatchObject({
    type: 'KeycloakForbidden',
    message: 'Keycloak at http://keycloak:8080 refused /admin/realms/kagenti/clients (403): the identity in Secret kagenti-system/keycloak-admin-secret lacks the realm-management role this needs in realm kagenti',
  });
});

test('Keycloak failures are retryable: each workflow decides how often to try', () => {
  expect(keycloakFailure(answered(401, {}), 'login', where)?.nonRetryable).toBe(false);
});

test.each([
  ['keycloak', "KEYCLOAK_URL 'keycloak' is not a URL"],
  ['ftp://keycloak', "KEYCLOAK_URL 'ftp://keycloak' is not an http or https URL"],
  ['http://keycloak:8080', undefined],
  ['https://sso.example.org/auth', undefined],
])('KEYCLOAK_URL %p: %p', (url, problem) => {
  expect(keycloakUrlProblem(url)).toBe(problem);
});

test('a call that timed out (a DOMException, whose numeric code is no HTTP status) is KeycloakUnreachable', () => {
  const timedOut = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  expect(keycloakFailure(timedOut, 'call', where)).toMatchObject({ type: 'KeycloakUnreachable', message: 'Keycloak at http://keycloak:8080 is unreachable: The operation was aborted due to timeout' });
});
