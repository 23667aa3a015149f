import type { KubernetesObject } from '@kubernetes/client-node';
import { TYPE_LABEL } from '../model/labels';

/**
 * The namespace an object belongs to; a Namespace belongs to itself. Items of a list carry no
 * `kind`, so the caller says whether the object is a Namespace.
 */
export function namespaceOf(object: KubernetesObject, isNamespace: boolean): string | undefined {
  return isNamespace ? object.metadata?.name : object.metadata?.namespace;
}

/** A Namespace opted in by its own label, before any agent arrives. */
export function isOptedInNamespace(object: KubernetesObject): boolean {
  return object.metadata?.labels?.[TYPE_LABEL] === 'agent';
}
