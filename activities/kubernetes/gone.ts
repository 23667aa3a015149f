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
 * The non-retryable failure an error of the Kubernetes API stands for, if any: the namespace gone
 * or terminating (NamespaceGone), the workload gone (WorkloadGone), or a refusal of the apiserver
 * (KubernetesRefused, with its message). Undefined for anything a retry may fix.
 */
export function kubernetesFailure(error: unknown, namespace: string): ApplicationFailure | undefined {
  const status = httpStatus(error);
  const details = statusDetails(error);
  if (status === 404 && details.kind === 'namespaces') return ApplicationFailure.nonRetryable(`Namespace ${namespace} no longer exists`, ErrorType.NamespaceGone);
  if (status === 403 && /being terminated/.test(details.message ?? '')) return ApplicationFailure.nonRetryable(`Namespace ${namespace} is being deleted`, ErrorType.NamespaceGone);
  if (status === 404 && (details.kind === 'deployments' || details.kind === 'statefulsets')) {
    return ApplicationFailure.nonRetryable(`${details.message ?? 'The workload no longer exists'}`, ErrorType.WorkloadGone);
  }
  if (status !== undefined && REFUSALS.has(status)) {
    return ApplicationFailure.nonRetryable(`The Kubernetes API refused it (${status}): ${details.message ?? String((error as Error).message)}`, ErrorType.KubernetesRefused);
  }
  return undefined;
}

/** Throws the failure `error` stands for (see kubernetesFailure), or `error` itself for the retry policy. */
function classifyGone(error: unknown, namespace: string): never {
  throw kubernetesFailure(error, namespace) ?? error;
}

/** `fn`, with the deletion of its namespace (its first argument) reported as NamespaceGone or WorkloadGone. */
export function inNamespace<A extends unknown[], R>(fn: (namespace: string, ...rest: A) => Promise<R>): (namespace: string, ...rest: A) => Promise<R> {
  return (namespace, ...rest) => fn(namespace, ...rest).catch((error: unknown) => classifyGone(error, namespace));
}

/** The same for an activity whose input names the namespace. */
export function inInputNamespace<I extends { namespace: string }, R>(fn: (input: I) => Promise<R>): (input: I) => Promise<R> {
  return (input) => fn(input).catch((error: unknown) => classifyGone(error, input.namespace));
}
