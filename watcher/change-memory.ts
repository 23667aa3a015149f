import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * What the last event showed of each object, so an update can be compared with it. With
 * `byGeneration`, an update whose generation did not move is status churn and is not looked at
 * further: no view is computed for it.
 */
export function changeMemory<V>(view: (o: KubernetesObject) => V, isEcho: (o: KubernetesObject, before: V, after: V) => boolean, byGeneration = false) {
  const views = new Map<string, V>();
  const generations = new Map<string, number | undefined>();
  return {
    /** True when the event is news: the first sight of the object, or a change that is not an echo. */
    changed(o: KubernetesObject): boolean {
      const uid = o.metadata?.uid ?? '';
      const before = views.get(uid);
      if (byGeneration && before !== undefined && generations.get(uid) === o.metadata?.generation) return false;
      generations.set(uid, o.metadata?.generation);
      const after = view(o);
      views.set(uid, after);
      return before === undefined || !isEcho(o, before, after);
    },
    forget(o: KubernetesObject): void {
      views.delete(o.metadata?.uid ?? '');
      generations.delete(o.metadata?.uid ?? '');
    },
  };
}

export type ChangeMemory = ReturnType<typeof changeMemory>;
