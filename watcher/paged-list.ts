import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { slim } from './slim';

/** Objects per list request when an informer lists. */
const LIST_PAGE = 500;

/**
 * A list function for an informer that reads a page at a time and slims each page before the next
 * is read, so that the first list of a large cluster never holds every full object at once (see slim.ts).
 */
export function pagedList<T extends KubernetesObject>(
  resource: string,
  fetchPage: (page: { limit: number; _continue?: string }) => Promise<KubernetesListObject<T>>,
): () => Promise<KubernetesListObject<KubernetesObject>> {
  return async () => {
    const items: KubernetesObject[] = [];
    let page: KubernetesListObject<T>;
    let _continue: string | undefined;
    do {
      page = await fetchPage({ limit: LIST_PAGE, _continue });
      for (const object of page.items) {
        slim(resource, object);
        items.push(object);
      }
      // Typed lists name it _continue; a custom resource's list is plain JSON, where it is `continue`.
      _continue = page.metadata?._continue || (page.metadata as { continue?: string } | undefined)?.continue || undefined;
    } while (_continue);
    // Every page of one list shares its resourceVersion, from which the watch then starts.
    return { ...page, items, metadata: { resourceVersion: page.metadata?.resourceVersion } };
  };
}
