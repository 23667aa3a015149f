import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, httpStatus } from '../../model/errors';

function statusDetails(error: unknown): { kind?: string; message?: string } {
  const body = (error as { body?: unknown }).body;
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { details?: { kind?: string }; message?: string } | undefined;
    return { kind: parsed?.details?.kind, message: parsed?.message };
  } catch {
    return {};
  }
}

/** HTTP statuses of a refusal no retry changes: bad request, forbidden (RBAC, an admission policy), invalid. */
const REFUSALS = new Set([400, 403, 422]);

/**
 * Turns "the namespace is gone or terminating" and "the workload is gone" into non-retryable
 * failures the workflow handles, and so a refusal of the apiserver (KubernetesRefused, with its
 * message); any other error is rethrown for the retry policy.
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
  if (status !== undefined && REFUSALS.has(status)) {
    throw ApplicationFailure.nonRetryable(`The Kubernetes API refused it (${status}): ${details.message ?? String((error as Error).message)}`, ErrorType.KubernetesRefused);
  }
  throw error;
}

/** `fn`, with the deletion of its namespace (its first argument) reported as NamespaceGone or WorkloadGone. */
export function inNamespace<A extends unknown[], R>(fn: (namespace: string, ...rest: A) => Promise<R>): (namespace: string, ...rest: A) => Promise<R> {
  return (namespace, ...rest) => fn(namespace, ...rest).catch((error: unknown) => classifyGone(error, namespace));
}

/** The same for an activity whose input names the namespace. */
export function inInputNamespace<I extends { namespace: string }, R>(fn: (input: I) => Promise<R>): (input: I) => Promise<R> {
  return (input) => fn(input).catch((error: unknown) => classifyGone(error, input.namespace));
}
