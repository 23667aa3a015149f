import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { ADMIN_SECRET, OPERATOR_CONFIG } from '../../model/names';
import { unlessMissing, type KubeClients } from './clients';

/**
 * The operator's own objects that every pass reads: its ConfigMap and the admin Secret, in the
 * operator namespace. `afresh`, when there: where to read them again when a copy may lag behind.
 */
export interface OperatorObjects {
  operatorConfig(): Promise<V1ConfigMap | undefined>;
  adminSecret(): Promise<V1Secret | undefined>;
  afresh?: OperatorObjects;
}

/** Both read from the apiserver at each call. */
export function readOperatorObjects(k8s: KubeClients, operatorNamespace: string): OperatorObjects {
  return {
    operatorConfig: () => unlessMissing(k8s.core.readNamespacedConfigMap({ namespace: operatorNamespace, name: OPERATOR_CONFIG })),
    adminSecret: () => unlessMissing(k8s.core.readNamespacedSecret({ namespace: operatorNamespace, name: ADMIN_SECRET })),
  };
}

/** How one of them is listed and watched: by name, in the operator namespace (the worker's Role allows no more). */
export interface OperatorObjectWatch<T extends KubernetesObject> {
  name: string;
  path: string;
  fieldSelector: string;
  list: () => Promise<KubernetesListObject<T>>;
}

export function operatorObjectWatches(k8s: KubeClients, operatorNamespace: string): { config: OperatorObjectWatch<V1ConfigMap>; adminSecret: OperatorObjectWatch<V1Secret> } {
  const byName = (name: string) => `metadata.name=${name}`;
  return {
    config: {
      name: OPERATOR_CONFIG,
      path: `/api/v1/namespaces/${operatorNamespace}/configmaps`,
      fieldSelector: byName(OPERATOR_CONFIG),
      list: () => k8s.core.listNamespacedConfigMap({ namespace: operatorNamespace, fieldSelector: byName(OPERATOR_CONFIG) }),
    },
    adminSecret: {
      name: ADMIN_SECRET,
      path: `/api/v1/namespaces/${operatorNamespace}/secrets`,
      fieldSelector: byName(ADMIN_SECRET),
      list: () => k8s.core.listNamespacedSecret({ namespace: operatorNamespace, fieldSelector: byName(ADMIN_SECRET) }),
    },
  };
}

/** After a watch failed (no right to watch, the apiserver away), reads go to the apiserver this long before a new watch is tried. */
const RETRY_WATCH_AFTER_MS = 30_000;

/** A watch, and whether its first list came in. */
interface Watching<T extends KubernetesObject> {
  informer: ListWatch<T>;
  listed: Promise<boolean>;
}

/**
 * One object kept from a watch while it is asked for. Until the watch has listed it, callers wait
 * for that list (a burst of passes costs one list, not one read each); while the watch has failed,
 * they read from the apiserver. A watch nobody asked for in `idleMs` is closed, so an idle worker
 * holds none open; the next ask opens it again.
 */
class WatchedObject<T extends KubernetesObject> {
  private current?: Watching<T>;
  private lastAsked = 0;
  private failedAt = -Infinity;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly watch: OperatorObjectWatch<T>,
    private readonly read: () => Promise<T | undefined>,
    private readonly idleMs: number,
  ) {}

  async get(): Promise<T | undefined> {
    this.lastAsked = Date.now();
    const watching = this.current ?? this.start();
    if (watching && (await watching.listed) && this.current === watching) return watching.informer.get(this.watch.name, this.namespace);
    return this.read();
  }

  private start(): Watching<T> | undefined {
    if (Date.now() - this.failedAt < RETRY_WATCH_AFTER_MS) return undefined;
    const informer = new ListWatch<T>(this.watch.path, new Watch(this.kc), this.watch.list, false, undefined, this.watch.fieldSelector);
    let failed = false;
    informer.on('error', () => {
      failed = true;
      if (this.current?.informer === informer) this.stop(true);
    });
    // start() resolves after its list, failed or not: a failure has called the error handler by then.
    const listed = informer.start().then(
      () => !failed,
      () => false,
    );
    const watching = { informer, listed };
    this.current = watching;
    void listed.then((ok) => ok && this.closeWhenIdle(watching));
    return watching;
  }

  private closeWhenIdle(watching: Watching<T>): void {
    const check = () => {
      if (this.current !== watching) return;
      const idleFor = Date.now() - this.lastAsked;
      if (idleFor >= this.idleMs) this.stop(false);
      else setTimeout(check, this.idleMs - idleFor).unref();
    };
    setTimeout(check, this.idleMs).unref();
  }

  close(): void {
    this.stop(false);
  }

  private stop(failed: boolean): void {
    const informer = this.current?.informer;
    this.current = undefined;
    if (failed) this.failedAt = Date.now();
    void informer?.stop();
  }
}

/** How long a watch stays open with no pass asking: a worker with work keeps it, an idle one closes it. */
const IDLE_MS = 60_000;

/**
 * The operator's objects as a worker keeps them: from a watch while passes ask for them (none of
 * the three reads each new namespace once cost the apiserver), read from the apiserver when the
 * watch is not there. A copy can lag behind a change by the time a watch event takes to arrive,
 * so whoever finds a problem in it reads `afresh` before reporting it (resolveProvisioningConfig,
 * withAdmin): a fix is never missed, and only a change between two usable settings can reach a
 * pass that late.
 */
export function watchedOperatorObjects(k8s: KubeClients, operatorNamespace: string): OperatorObjects & { close(): void } {
  const afresh = readOperatorObjects(k8s, operatorNamespace);
  const watches = operatorObjectWatches(k8s, operatorNamespace);
  const config = new WatchedObject(k8s.kc, operatorNamespace, watches.config, afresh.operatorConfig, IDLE_MS);
  const adminSecret = new WatchedObject(k8s.kc, operatorNamespace, watches.adminSecret, afresh.adminSecret, IDLE_MS);
  return {
    operatorConfig: () => config.get(),
    adminSecret: () => adminSecret.get(),
    afresh,
    /** Ends both watches (an open one keeps the process alive); an ask after this opens them again. */
    close() {
      config.close();
      adminSecret.close();
    },
  };
}
