import { KubeConfig, KubernetesObject, ListWatch, Watch, type Informer, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { hasAgentTemplate, STATUS_ANNOTATION, WAYPOINT_GATEWAY_CLASS } from '../model/labels';
import { waypointGatewayName } from '../model/names';
import { waypointState, type GatewayObject, type WaypointState } from '../model/waypoint-gateway';
import type { CachedNamespace } from './settled';
import { metadataOnlyWatches } from './metadata-only';
import { slim } from './slim';
import { isOptedInNamespace, namespaceOf } from './to-namespace';
import { isRelevant, watchedResources, WatchedResource } from './watched-resources';

export interface InformerSet {
  /** True once every informer has listed at least once. */
  synced(): boolean;
  /** Namespaces that hold an agent or tool pod or workload, or opted in by label, per the caches. */
  agentNamespaces(): Set<string>;
  /** What the caches hold of `namespace`, undefined when they hold no such Namespace. */
  cached(namespace: string): CachedNamespace | undefined;
  /** Namespaces whose status annotation says their last pass left them waiting for something. */
  waitingNamespaces(): string[];
  /** istiod's verdict on the namespace's waypoint as the cache holds it now, undefined without a waypoint. */
  waypoint(namespace: string): WaypointState | undefined;
  stop(): Promise<void>;
}

export interface InformerHandlers {
  /** A change after the first lists (those are reported once, through `synced`). */
  changed(namespace: string, reason: 'change' | 'waypoint'): void;
  namespaceDeleted(namespace: string): void;
  /** Once, when every informer has listed: the caches now show the whole cluster. */
  synced(): void;
  /** Each restart after a watch or list error. */
  restarted(resource: string): void;
  /** The operator config or the admin Secret changed: the settings of every namespace did. */
  operatorSettingsChanged(): void;
}

type Watched = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

const RESTART_DELAY_MS = { min: 500, max: 30_000 };
const AGENT_RESOURCES = ['pods', 'deployments', 'statefulsets'] as const;

/** What a namespace's status annotation says its last pass left it waiting for (reasons), if anything. */
function waitingFor(namespace: KubernetesObject | undefined): string[] {
  try {
    const status = JSON.parse(namespace?.metadata?.annotations?.[STATUS_ANNOTATION] ?? 'null') as { waiting?: string[] } | null;
    return status?.waiting ?? [];
  } catch {
    return [];
  }
}

/**
 * The waiting reasons that istiod's verdict clears. Not WaypointNameTaken: what clears it is
 * someone else's object going away (a Gateway's deletion is a change of its own).
 */
const WAYPOINT_WAITS = new Set(['WaypointNotReady', 'WaypointUnschedulable', 'WaypointRefused']);

/** The Watch an informer of `watched` streams its changes from (metadata only where it says so). */
export function watchOf(kc: KubeConfig, watched: WatchedResource): Watch {
  return new Watch(watched.metadataOnly ? metadataOnlyWatches(kc) : kc);
}

/** What the caches say of agent namespaces, for the takeover and for a change of the operator's settings. */
function cacheQueries(informers: Map<string, Watched>, resource: (name: string) => WatchedResource): Pick<InformerSet, 'agentNamespaces' | 'cached' | 'waitingNamespaces' | 'waypoint'> {
  return {
    waypoint(namespace) {
      const gateway = informers.get('gateways')!.get(waypointGatewayName(namespace), namespace);
      return gateway ? waypointState(gateway as GatewayObject) : undefined;
    },
    waitingNamespaces: () => informers.get('namespaces')!.list().filter((ns) => waitingFor(ns).length > 0).map((ns) => ns.metadata!.name!),
    agentNamespaces() {
      const namespaces = new Set<string>();
      for (const name of AGENT_RESOURCES) {
        for (const object of informers.get(name)!.list()) if (isRelevant(resource(name), object)) namespaces.add(object.metadata!.namespace!);
      }
      for (const ns of informers.get('namespaces')!.list()) if (isOptedInNamespace(ns)) namespaces.add(ns.metadata!.name!);
      return namespaces;
    },
    cached(namespace) {
      const object = informers.get('namespaces')!.get(namespace);
      if (!object) return undefined;
      const agentWorkloads = (name: string) => informers.get(name)!.list(namespace).filter((o) => hasAgentTemplate(o as never) && !o.metadata?.deletionTimestamp);
      return {
        namespace: object,
        workloads: [...agentWorkloads('deployments'), ...agentWorkloads('statefulsets')],
        gateway: informers.get('gateways')!.get(waypointGatewayName(namespace), namespace),
        secrets: new Set(informers.get('secrets')!.list(namespace).map((o) => o.metadata!.name!)),
      };
    },
  };
}

/**
 * Lists and watches, cluster-wide, everything whose change can call for a provisioning pass
 * (watched-resources.ts), and reports each change as the namespace it belongs to. The client's
 * informer re-lists on 410 Gone by itself; on any other error it stops, so it is restarted here
 * with backoff. (Its short inner functions share the informer map and whether the first lists are
 * in; they are kept together so that the order of events is plain to read.)
 */
export function startInformers(kc: KubeConfig, operatorNamespace: string, handlers: InformerHandlers, log: Logger): InformerSet {
  const informers = new Map<string, Watched>();
  const listed = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let announced = false;
  let stopped = false;
  const { resources, memories } = watchedResources(kc, operatorNamespace, holdsAgents, awaitsWaypoint);
  const resource = (name: string) => resources.find((r) => r.name === name)!;

  /** Whether the caches hold an agent or tool pod or workload in `namespace`, leaving out the object `except`. */
  function holdsAgents(namespace: string, except?: string): boolean {
    return AGENT_RESOURCES.some((name) => informers.get(name)!.list(namespace).some((o) => o.metadata?.uid !== except && isRelevant(resource(name), o)));
  }

  /**
   * Whether istiod's verdict on `gateway` is news for its namespace: a waypoint, in
   * a namespace no pass finished on yet (its first pass may be waiting) or whose last pass left it
   * waiting for the waypoint. A settled namespace is not told: istiod rewriting every status as it
   * restarts would otherwise be a pass for each.
   */
  function awaitsWaypoint(gateway: KubernetesObject): boolean {
    // A waypoint (the provisioner's class); someone else's Gateway of that name is not news.
    if ((gateway as GatewayObject).spec?.gatewayClassName !== WAYPOINT_GATEWAY_CLASS) return false;
    const namespace = informers.get('namespaces')?.get(gateway.metadata?.namespace ?? '');
    if (!namespace?.metadata?.annotations?.[STATUS_ANNOTATION]) return true;
    return waitingFor(namespace).some((reason) => WAYPOINT_WAITS.has(reason));
  }

  /** Once `start()` resolves the informer has listed (its 'connect' event comes before the list). */
  function markListed(name: string): void {
    listed.add(name);
    if (announced || listed.size < informers.size) return;
    announced = true;
    handlers.synced();
  }

  /** Tells the namespace of a change that matters, once the first lists are all in (see `synced`). */
  function report(watched: WatchedResource, object: KubernetesObject, event: string, reason: 'change' | 'waypoint' = 'change'): void {
    const namespace = namespaceOf(object, watched.name === 'namespaces');
    if (!namespace || !announced) return;
    if (watched.scope === 'operator') {
      log.info({ resource: watched.name, name: object.metadata?.name, event }, 'Operator settings changed');
      handlers.operatorSettingsChanged();
      return;
    }
    // A Namespace matters when it opts in, is being deleted, or holds agents (its labels may have drifted).
    if (watched.name === 'namespaces' && !(isOptedInNamespace(object) || object.metadata?.deletionTimestamp || holdsAgents(namespace))) return;
    log.debug({ namespace, resource: watched.name, name: object.metadata?.name, event, reason }, 'Change that calls for a pass');
    handlers.changed(namespace, reason);
  }

  function watch(watched: WatchedResource): Watched {
    const informer = new ListWatch<KubernetesObject>(watched.path, watchOf(kc, watched), watched.list, false, watched.labelSelector, watched.fieldSelector);
    // First of all handlers, so that the cache keeps only the slimmed object (see slim.ts).
    informer.on('add', (object) => slim(watched.name, object));
    informer.on('update', (object) => slim(watched.name, object));
    // Relevance first, so that nothing is remembered of objects that are not the provisioner's business.
    informer.on('add', (object) => {
      if (isRelevant(watched, object) && (!watched.add || watched.add(object))) report(watched, object, 'add');
    });
    informer.on('update', (object) => {
      if (!isRelevant(watched, object)) return;
      const matters = watched.update ? watched.update(object) : true;
      if (matters) report(watched, object, 'update', matters === 'waypoint' ? 'waypoint' : 'change');
    });
    informer.on('delete', (object) => {
      const namespace = namespaceOf(object, watched.name === 'namespaces');
      if (!namespace) return;
      for (const memory of memories) memory.forget(object);
      if (watched.name === 'namespaces') handlers.namespaceDeleted(namespace);
      else if (isRelevant(watched, object) && (!watched.delete || watched.delete(object))) report(watched, object, 'delete');
    });
    restartOnError(watched.name, informer);
    return informer;
  }

  function restartOnError(name: string, informer: Watched): void {
    let delay = RESTART_DELAY_MS.min;
    informer.on('error', (error: unknown) => {
      if (stopped) return;
      log.warn({ resource: name, err: String(error), retryInMs: delay }, 'Watch failed; restarting informer');
      const timer = setTimeout(() => {
        timers.delete(timer);
        handlers.restarted(name);
        informer.start().then(
          () => {
            delay = RESTART_DELAY_MS.min;
            markListed(name);
          },
          () => undefined, // reported again through 'error'
        );
      }, delay);
      timers.add(timer);
      delay = Math.min(RESTART_DELAY_MS.max, delay * 2);
    });
  }

  for (const watched of resources) informers.set(watched.name, watch(watched));
  for (const [name, informer] of informers) {
    informer.start().then(
      () => markListed(name),
      () => undefined,
    );
  }

  return {
    synced: () => listed.size === informers.size,
    ...cacheQueries(informers, resource),
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([...informers.values()].map((i) => i.stop()));
    },
  };
}
