import { ApplicationFailure } from '@temporalio/common';

/** Failure types of this project's activities that no retry can fix. */
export const ErrorType = {
  InvalidWorkloadSpec: 'InvalidWorkloadSpec',
  /** The namespace was deleted or is terminating while the pass ran. */
  NamespaceGone: 'NamespaceGone',
  /** The workload was deleted while the pass registered it. */
  WorkloadGone: 'WorkloadGone',
  /** The apiserver refused a request (forbidden, or invalid: RBAC, an admission policy or webhook). */
  KubernetesRefused: 'KubernetesRefused',
  /**
   * A Keycloak client or audience scope of the name this workload's would have is someone else's
   * (not marked as the provisioner's for this namespace and workload): reported, never written.
   */
  KeycloakNameTaken: 'KeycloakNameTaken',
} as const;

/** Every failure type above: the retry policies list them as non-retryable. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = Object.values(ErrorType);

/**
 * How Keycloak work fails, by cause. Each is thrown retryable: the provisioning pass tries a few
 * times, then reports it as a waiting state with this reason and looks again later with the
 * settings then in force; a migration's step keeps retrying with its own.
 */
export const KeycloakFailure = {
  /** Keycloak did not answer: refused, timed out, or its name did not resolve. */
  KeycloakUnreachable: 'KeycloakUnreachable',
  /** Keycloak answered with a 5xx status. */
  KeycloakServerError: 'KeycloakServerError',
  /** Keycloak refused the admin credentials of keycloak-admin-secret. */
  KeycloakCredentialsRefused: 'KeycloakCredentialsRefused',
  /** KEYCLOAK_REALM names a realm this Keycloak does not have. */
  KeycloakRealmNotFound: 'KeycloakRealmNotFound',
  /** keycloak-admin-secret is missing in the operator namespace, or lacks a key. */
  KeycloakAdminSecretMissing: 'KeycloakAdminSecretMissing',
  /** Keycloak refused a call with a 403: the provisioner's identity lacks a realm-management role the call needs. */
  KeycloakForbidden: 'KeycloakForbidden',
} as const;

export type KeycloakFailureType = (typeof KeycloakFailure)[keyof typeof KeycloakFailure];

/** The Keycloak failures only a change of configuration fixes: a pass does not try them again. */
export const KEYCLOAK_CONFIGURATION_FAILURES: string[] = [KeycloakFailure.KeycloakCredentialsRefused, KeycloakFailure.KeycloakRealmNotFound, KeycloakFailure.KeycloakAdminSecretMissing, KeycloakFailure.KeycloakForbidden];

export function invalidWorkloadSpec(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ErrorType.InvalidWorkloadSpec);
}

export function keycloakNameTaken(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ErrorType.KeycloakNameTaken);
}

/** HTTP status of a failed Kubernetes or Keycloak call, if it was an HTTP error. */
export function httpStatus(error: unknown): number | undefined {
  const e = error as { code?: unknown; response?: { status?: unknown } };
  // Only HTTP statuses: a DOMException (a timeout, an abort) has a numeric `code` of its own.
  const isStatus = (value: unknown): value is number => typeof value === 'number' && value >= 100 && value <= 599;
  if (isStatus(e?.code)) return e.code;
  if (isStatus(e?.response?.status)) return e.response.status;
  return undefined;
}

export const isNotFound = (error: unknown) => httpStatus(error) === 404;
export const isConflict = (error: unknown) => httpStatus(error) === 409;

/** For a create that may meet its own earlier, interrupted attempt: a 409 means it is there; anything else is thrown. */
export function ignoreConflict(error: unknown): void {
  if (!isConflict(error)) throw error;
}
