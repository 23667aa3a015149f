import { ApplicationFailure } from '@temporalio/common';
import { httpStatus, KeycloakFailure, KeycloakFailureType } from '../../model/errors';

/** Where in a unit of Keycloak work the error came from: the admin login, or a call with its token. */
export type KeycloakStage = 'login' | 'call';

function responseText(error: unknown): string {
  const data = (error as { responseData?: unknown }).responseData;
  if (typeof data === 'string') return data;
  if (data && typeof data === 'object') {
    const { error: code, error_description: description, errorMessage } = data as Record<string, unknown>;
    return [code, description ?? errorMessage].filter((v) => typeof v === 'string' && v).join(': ');
  }
  return '';
}

/** The path of the refused request, without its query, when the error carries its response. */
function requestPath(error: unknown): string {
  const url = (error as { response?: { url?: unknown } }).response?.url;
  if (typeof url !== 'string' || !url) return 'a call';
  return new URL(url).pathname;
}

/** The innermost cause's message: fetch says "fetch failed" and keeps "connect ECONNREFUSED …" in its cause. */
function rootMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current?.cause && typeof current.cause === 'object') current = current.cause as typeof current;
  return current?.message ?? String(error);
}

/** A request that got no HTTP answer: fetch failed (refused, reset, no such host, TLS) or timed out. */
function isNetworkError(error: unknown): boolean {
  const e = error as { name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return true;
  // By name: fetch's errors come from Node's own realm, where `instanceof TypeError` of another realm (a test's VM) is false.
  return e?.name === 'TypeError' && (e.message === 'fetch failed' || /invalid url|failed to parse url/i.test(e.message ?? ''));
}

function failure(type: KeycloakFailureType, message: string): ApplicationFailure {
  return ApplicationFailure.retryable(message, type);
}

/**
 * Names why a unit of Keycloak work failed, as an ApplicationFailure of a KeycloakFailure type with
 * the cause in words, or undefined when it is none of them (another HTTP status: the caller's to
 * handle). Retryable throughout: each workflow's retry policy decides what is worth another try.
 */
export function keycloakFailure(error: unknown, stage: KeycloakStage, where: { url: string; realm: string; adminSecret: string }): ApplicationFailure | undefined {
  if (isNetworkError(error)) return failure(KeycloakFailure.KeycloakUnreachable, `Keycloak at ${where.url} is unreachable: ${rootMessage(error)}`);
  const status = httpStatus(error);
  if (status === undefined) return undefined;
  if (status >= 500) return failure(KeycloakFailure.KeycloakServerError, `Keycloak at ${where.url} answered ${status}: ${responseText(error) || 'server error'}`);
  if (stage === 'login' && (status === 400 || status === 401)) {
    return failure(KeycloakFailure.KeycloakCredentialsRefused, `Keycloak at ${where.url} refused the admin credentials in Secret ${where.adminSecret} (${responseText(error) || status})`);
  }
  if (status === 403) {
    return failure(KeycloakFailure.KeycloakForbidden, `Keycloak at ${where.url} refused ${requestPath(error)} (403): the identity in Secret ${where.adminSecret} lacks the realm-management role this needs in realm ${where.realm}`);
  }
  // "Realm not found" from the admin API; "Realm does not exist" from the token endpoint of a realm-scoped login.
  if (status === 404 && /realm not found|realm does not exist/i.test(responseText(error))) {
    return failure(KeycloakFailure.KeycloakRealmNotFound, `Realm ${where.realm} does not exist in Keycloak at ${where.url} (KEYCLOAK_REALM)`);
  }
  return undefined;
}
