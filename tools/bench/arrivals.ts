import { KubeConfig, KubernetesObject, Watch } from '@kubernetes/client-node';
import { MANAGED_SELECTOR } from '../../model/labels';

/**
 * When things appear, from watch events (not polling): a namespace's ambient labels, its waypoint
 * Gateway, and each write of a credentials Secret. Watches restart from the last resourceVersion.
 */
export class Arrivals {
  /** Namespace → first time it carried istio.io/use-waypoint. */
  readonly labelled = new Map<string, number>();
  /** Namespace → first time its waypoint Gateway was seen. */
  readonly gateway = new Map<string, number>();
  /** Namespace → times of every credentials Secret write seen in it (ADDED or MODIFIED). */
  readonly secretWrites = new Map<string, number[]>();
  private readonly aborts: AbortController[] = [];
  private stopped = false;

  constructor(private readonly kc: KubeConfig) {}

  async start(): Promise<void> {
    await Promise.all([
      this.watch('/api/v1/namespaces', undefined, (_type, o) => {
        if (o.metadata?.labels?.['istio.io/use-waypoint'] && !this.labelled.has(o.metadata.name!)) this.labelled.set(o.metadata.name!, performance.now());
      }),
      this.watch('/apis/gateway.networking.k8s.io/v1/gateways', undefined, (_type, o) => {
        if (!this.gateway.has(o.metadata!.namespace!)) this.gateway.set(o.metadata!.namespace!, performance.now());
      }),
      this.watch('/api/v1/secrets', MANAGED_SELECTOR, (type, o) => {
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        const ns = o.metadata!.namespace!;
        this.secretWrites.set(ns, [...(this.secretWrites.get(ns) ?? []), performance.now()]);
      }),
    ]);
  }

  /** When `namespace` had both its labels and its Gateway. */
  waypointAt(namespace: string): number | undefined {
    const labelled = this.labelled.get(namespace);
    const gateway = this.gateway.get(namespace);
    return labelled === undefined || gateway === undefined ? undefined : Math.max(labelled, gateway);
  }

  /** When `namespace` had `count` Secrets written after `since` (its first Secret write by default). */
  secretsAt(namespace: string, count = 1, since = 0): number | undefined {
    const writes = (this.secretWrites.get(namespace) ?? []).filter((t) => t >= since);
    return writes.length >= count ? writes[count - 1] : undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const abort of this.aborts) abort.abort();
  }

  private async watch(path: string, labelSelector: string | undefined, onEvent: (type: string, o: KubernetesObject) => void, resourceVersion?: string): Promise<void> {
    let last = resourceVersion;
    const abort = await new Watch(this.kc).watch(
      path,
      { ...(labelSelector ? { labelSelector } : {}), ...(last ? { resourceVersion: last } : {}), allowWatchBookmarks: true },
      (type: string, o: KubernetesObject) => {
        last = o.metadata?.resourceVersion ?? last;
        if (type !== 'BOOKMARK') onEvent(type, o);
      },
      () => {
        if (!this.stopped) void this.watch(path, labelSelector, onEvent, last);
      },
    );
    this.aborts.push(abort);
  }
}
