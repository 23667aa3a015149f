import type { KubernetesObject } from '@kubernetes/client-node';
import { AGENT_TYPES, TYPE_LABEL } from '../activities/kubernetes/desired';

/**
 * The namespace an object belongs to; a Namespace belongs to itself. Items of a list carry no
 * `kind`, so the caller says whether the object is a Namespace.
 */
export function namespaceOf(object: KubernetesObject, isNamespace: boolean): string | undefined {
  return isNamespace ? object.metadata?.name : object.metadata?.namespace;
}

/** A Deployment or StatefulSet whose pod template says agent or tool. */
export function hasAgentTemplate(object: { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }): boolean {
  return AGENT_TYPES.has(object.spec?.template?.metadata?.labels?.[TYPE_LABEL] ?? '');
}

/** A Namespace opted in by its own label, before any agent arrives. */
export function isOptedInNamespace(object: KubernetesObject): boolean {
  return object.metadata?.labels?.[TYPE_LABEL] === 'agent';
}
