import { ApplicationFailure } from '@temporalio/common';

/** Failure types of this project's activities; a retry cannot fix any of them. */
export const ErrorType = {
  InvalidWorkloadSpec: 'InvalidWorkloadSpec',
  /** The namespace was deleted or is terminating while the pass ran. */
  NamespaceGone: 'NamespaceGone',
  /** The workload was deleted while the pass registered it. */
  WorkloadGone: 'WorkloadGone',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

/** Every failure type above: the retry policies list them as non-retryable. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = Object.values(ErrorType);

export function invalidWorkloadSpec(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ErrorType.InvalidWorkloadSpec);
}

/** HTTP status of a failed Kubernetes or Keycloak call, if it was an HTTP error. */
export function httpStatus(error: unknown): number | undefined {
  const e = error as { code?: unknown; response?: { status?: unknown } };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.response?.status === 'number') return e.response.status;
  return undefined;
}

export const isNotFound = (error: unknown) => httpStatus(error) === 404;
export const isConflict = (error: unknown) => httpStatus(error) === 409;
