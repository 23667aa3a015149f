import { ApplicationFailure } from '@temporalio/common';

/** Failure types of this project's activities; a retry cannot fix any of them. */
export const ErrorType = {
  InvalidWorkloadSpec: 'InvalidWorkloadSpec',
  /** The namespace was deleted or is terminating while the pass ran. */
  NamespaceGone: 'NamespaceGone',
  /** The workload was deleted while the pass registered it. */
  WorkloadGone: 'WorkloadGone',
} as const;

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

function statusDetails(error: unknown): { kind?: string; message?: string } {
  const body = (error as { body?: unknown }).body;
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { details?: { kind?: string }; message?: string } | undefined;
    return { kind: parsed?.details?.kind, message: parsed?.message };
  } catch {
    return {};
  }
}

/**
 * Turns "the namespace is gone or terminating" and "the workload is gone" into non-retryable
 * failures the workflow handles; any other error is rethrown for the retry policy.
 */
export function classifyGone(error: unknown, namespace: string): never {
  const status = httpStatus(error);
  const details = statusDetails(error);
  if (status === 404 && details.kind === 'namespaces') {
    throw ApplicationFailure.nonRetryable(`Namespace ${namespace} no longer exists`, ErrorType.NamespaceGone);
  }
  if (status === 403 && /being terminated/.test(details.message ?? '')) {
    throw ApplicationFailure.nonRetryable(`Namespace ${namespace} is being deleted`, ErrorType.NamespaceGone);
  }
  if (status === 404 && (details.kind === 'deployments' || details.kind === 'statefulsets')) {
    throw ApplicationFailure.nonRetryable(`${details.message ?? 'The workload no longer exists'}`, ErrorType.WorkloadGone);
  }
  throw error;
}
