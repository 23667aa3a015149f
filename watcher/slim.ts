import type { KubernetesObject } from '@kubernetes/client-node';

/** What the watcher keeps of each kind of object: only what it decides on. */
const KEEP: Record<string, readonly string[]> = {
  // Labels, uid and deletionTimestamp decide whether a namespace holds agents.
  pods: [],
  namespaces: [],
  // The pod template (kind of workload, credentials annotation) and the generation.
  deployments: ['spec'],
  statefulsets: ['spec'],
  // Class, listeners and the Programmed condition.
  gateways: ['spec', 'status'],
  // Only that it exists: never the client secret it holds.
  secrets: [],
};

/**
 * Strips an object down to what the watcher decides on, in place, as it enters the informer's cache:
 * managedFields, and every top-level field but metadata and those listed above (a pod's spec and
 * status, a Secret's data). The cache holds the very object it hands to its first handler, so this
 * keeps the watcher's memory at a fraction of the objects' size, and no client secret in it.
 */
export function slim(resource: string, object: KubernetesObject): void {
  const keep = KEEP[resource] ?? [];
  const fields = object as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (key !== 'metadata' && key !== 'apiVersion' && key !== 'kind' && !keep.includes(key)) delete fields[key];
  if (object.metadata) delete object.metadata.managedFields;
}
