import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  makeInformer,
  type Informer,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { AGENT_POD_SELECTOR, hasAgentTemplate } from '../model/labels';
import { waypointGatewayName } from '../model/names';
import { isNamespaceEcho, isWorkloadEcho, namespaceView, workloadView } from './own-writes';
import type { CachedNamespace } from './settled';
import { slim } from './slim';
import { isOptedInNamespace, namespaceOf } from './to-namespace';

export interface InformerSet {
  /** True once every informer has listed at least once. */
  synced(): boolean;
  /** Namespaces that hold an agent or tool pod or workload, or opted in by label, per the caches. */
  agentNamespaces(): Set<string>;
  /** What the caches hold of `namespace`, undefined when they hold no such Namespace. */
  cached(namespace: string): CachedNamespace | undefined;
  stop(): Promise<void>;
}

export interface InformerHandlers {
  /** A change after the first lists (those are reported once, through `synced`). */
  changed(namespace: string): void;
  namespaceDeleted(namespace: string): void;
  /** Once, when every informer has listed: the caches now show the whole cluster. */
  synced(): void;
  /** Each restart after a watch or list error. */
  restarted(resource: string): void;
}

type Watched = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

const RESTART_DELAY_MS = { min: 500, max: 30_000 };
/** Objects per list request when an informer lists. */
const LIST_PAGE = 500;

/**
 * What the last event showed of each object, so an update can be compared with it. With
 * `byGeneration`, an update whose generation did not move is status churn and is not looked at
 * further: no view is computed for it.
 */
function memory<V>(view: (o: KubernetesObject) => V, isEcho: (o: KubernetesObject, before: V, after: V) => boolean, byGeneration = false) {
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

/**
 * Lists and watches, cluster-wide, everything whose change can call for a provisioning pass, and
 * reports each change as the namespace it belongs to. The client's informer re-lists on 410 Gone
 * by itself; on any other error it stops, so it is restarted here with backoff.
 */
export function startInformers(kc: KubeConfig, handlers: InformerHandlers, log: Logger): InformerSet {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  /**
   * Lists a page at a time and slims each page before the next is read, so that the first list of
   * a large cluster never holds every full object at once (see slim.ts).
   */
  const paged =
    <T extends KubernetesObject>(resource: string, fetchPage: (page: { limit: number; _continue?: string }) => Promise<KubernetesListObject<T>>) =>
    async (): Promise<KubernetesListObject<KubernetesObject>> => {
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

  // Which events of each kind can call for a pass. Status churn is left out (pod phases, rollout
  // progress, Gateway conditions), and so are the echoes of the provisioner's own writes (see
  // own-writes.ts): its labels and status annotation on a Namespace, the credentials annotation on a
  // workload, the Gateway and the Secrets it creates, and the pods its annotation rolls.
  const workloads = memory(workloadView, (o, before, after) => isWorkloadEcho(o.metadata?.namespace ?? '', o.metadata?.name ?? '', before, after), true);
  const namespaces = memory(namespaceView, (o, before, after) => isNamespaceEcho(o.metadata?.name ?? '', before, after));
  // A Gateway's generation moves with its spec only: a changed listener or class is drift, a status write is not.
  const gateways = memory(() => true, () => false, true);
  // Agent pods matter only when they decide whether the namespace holds agents at all: the first
  // one to arrive, or the last one to go when no agent workload is left.
  const firstOrLastPod = (o: KubernetesObject) => !holdsAgents(o.metadata?.namespace ?? '', o.metadata?.uid);

  interface Spec {
    name: string;
    path: string;
    list: () => Promise<KubernetesListObject<KubernetesObject>>;
    labelSelector?: string;
    relevant?: (o: KubernetesObject) => boolean;
    /** Which additions matter (all when absent); it also sees every addition, to remember what it needs. */
    add?: (o: KubernetesObject) => boolean;
    /** Which updates matter; all when absent. */
    update?: (o: KubernetesObject) => boolean;
    /** Which deletions matter; all when absent. */
    delete?: (o: KubernetesObject) => boolean;
  }
  /** Deployments or StatefulSets whose pod template is an agent's or a tool's. */
  const agentWorkloads = (name: 'deployments' | 'statefulsets', listAll: Spec['list']): Spec => ({
    name,
    path: `/apis/apps/v1/${name}`,
    list: listAll,
    relevant: (o) => hasAgentTemplate(o as never),
    add: workloads.changed,
    update: workloads.changed,
  });

  const specs: Spec[] = [
    {
      name: 'pods',
      path: '/api/v1/pods',
      labelSelector: AGENT_POD_SELECTOR,
      list: paged('pods', (page) => core.listPodForAllNamespaces({ labelSelector: AGENT_POD_SELECTOR, ...page })),
      add: firstOrLastPod,
      update: () => false,
      delete: firstOrLastPod,
    },
    agentWorkloads('deployments', paged('deployments', (page) => apps.listDeploymentForAllNamespaces(page))),
    agentWorkloads('statefulsets', paged('statefulsets', (page) => apps.listStatefulSetForAllNamespaces(page))),
    { name: 'namespaces', path: '/api/v1/namespaces', list: paged('namespaces', (page) => core.listNamespace(page)), add: namespaces.changed, update: namespaces.changed },
    {
      name: 'gateways',
      path: '/apis/gateway.networking.k8s.io/v1/gateways',
      list: paged('gateways', (page) => custom.listCustomObjectForAllNamespaces({ group: 'gateway.networking.k8s.io', version: 'v1', resourcePlural: 'gateways', ...page }) as Promise<KubernetesListObject<KubernetesObject>>),
      // Only the provisioner's own waypoints: other Gateways are not its business. Creating one is
      // the provisioner's doing; its readiness is waited for in the pass (and looked at again after
      // --retry-interval when that wait timed out).
      relevant: (o) => o.metadata?.name === waypointGatewayName(o.metadata?.namespace ?? ''),
      add: (o) => {
        gateways.changed(o);
        return false;
      },
      update: gateways.changed,
    },
    {
      name: 'secrets',
      path: '/api/v1/secrets',
      labelSelector: 'app.kubernetes.io/managed-by=kagenti-waypoint-provisioner',
      list: paged('secrets', (page) => core.listSecretForAllNamespaces({ labelSelector: 'app.kubernetes.io/managed-by=kagenti-waypoint-provisioner', ...page })),
      // Its creation is the provisioner's own doing; a change or a deletion is drift.
      add: () => false,
    },
  ];

  const informers = new Map<string, Watched>();
  const listed = new Set<string>();
  let announced = false;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  for (const spec of specs) {
    const informer = makeInformer<KubernetesObject>(kc, spec.path, spec.list, spec.labelSelector);
    informers.set(spec.name, informer);
    // First of all handlers, so that the cache keeps only the slimmed object (see slim.ts).
    informer.on('add', (object) => slim(spec.name, object));
    informer.on('update', (object) => slim(spec.name, object));
    const onChange = (object: KubernetesObject, event: string) => {
      const namespace = namespaceOf(object, spec.name === 'namespaces');
      // What the first lists show is looked at once they are all in (see `synced`), not object by object.
      if (!namespace || !announced) return;
      // A Namespace matters when it opts in, is being deleted, or holds agents (its labels may have drifted).
      if (spec.name === 'namespaces' && !(isOptedInNamespace(object) || object.metadata?.deletionTimestamp || holdsAgents(namespace))) return;
      log.debug({ namespace, resource: spec.name, name: object.metadata?.name, event }, 'Change that calls for a pass');
      handlers.changed(namespace);
    };
    // Relevance first, so that nothing is remembered of objects that are not the provisioner's business.
    const relevant = (object: KubernetesObject) => !spec.relevant || spec.relevant(object);
    informer.on('add', (object) => {
      if (relevant(object) && (!spec.add || spec.add(object))) onChange(object, 'add');
    });
    informer.on('update', (object) => {
      if (relevant(object) && (!spec.update || spec.update(object))) onChange(object, 'update');
    });
    informer.on('delete', (object) => {
      const namespace = namespaceOf(object, spec.name === 'namespaces');
      if (!namespace) return;
      for (const remembered of [workloads, namespaces, gateways]) remembered.forget(object);
      if (spec.name === 'namespaces') handlers.namespaceDeleted(namespace);
      else if (relevant(object) && (!spec.delete || spec.delete(object))) onChange(object, 'delete');
    });
    let delay = RESTART_DELAY_MS.min;
    informer.on('error', (error: unknown) => {
      if (stopped) return;
      log.warn({ resource: spec.name, err: String(error), retryInMs: delay }, 'Watch failed; restarting informer');
      const timer = setTimeout(() => {
        timers.delete(timer);
        handlers.restarted(spec.name);
        informer.start().then(
          () => {
            delay = RESTART_DELAY_MS.min;
            markListed(spec.name);
          },
          () => undefined, // reported again through 'error'
        );
      }, delay);
      timers.add(timer);
      delay = Math.min(RESTART_DELAY_MS.max, delay * 2);
    });
  }

  /** Whether the caches hold an agent or tool pod or workload in `namespace`, leaving out the object `except`. */
  function holdsAgents(namespace: string, except?: string): boolean {
    return ['pods', 'deployments', 'statefulsets'].some((name) => {
      const spec = specs.find((s) => s.name === name)!;
      return informers.get(name)!.list(namespace).some((o) => o.metadata?.uid !== except && (!spec.relevant || spec.relevant(o)));
    });
  }

  /** Once `start()` resolves the informer has listed (its 'connect' event comes before the list). */
  function markListed(name: string): void {
    listed.add(name);
    if (announced || listed.size < informers.size) return;
    announced = true;
    handlers.synced();
  }

  for (const [name, informer] of informers) {
    informer.start().then(
      () => markListed(name),
      () => undefined,
    );
  }

  return {
    synced: () => listed.size === informers.size,
    agentNamespaces() {
      const namespaces = new Set<string>();
      for (const name of ['pods', 'deployments', 'statefulsets']) {
        const spec = specs.find((s) => s.name === name)!;
        for (const object of informers.get(name)!.list()) {
          if (!spec.relevant || spec.relevant(object)) namespaces.add(object.metadata!.namespace!);
        }
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
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([...informers.values()].map((i) => i.stop()));
    },
  };
}
