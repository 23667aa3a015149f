import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Settings } from '../config/settings';
import { notifyNamespaceDeleted } from '../temporal/namespace-workflows';
import { maintenanceGate } from '../temporal/task-queue-backlog';
import { keepKeycloakAuditInLine } from './audit-keeper';
import { InformerSet, startInformers } from './informers';
import { namespaceNotifier } from './notifier';
import { paceOut } from './pace-out';
import { SettledOptions, unsettledReason } from './settled';

export interface WatcherOptions extends SettledOptions {
  taskQueue: string;
  /** Where the operator config and the Keycloak admin Secret live; their changes wake waiting namespaces. */
  operatorNamespace: string;
  /** Seconds between Keycloak audits; the watcher starts the audit workflow with it (0: none started). */
  keycloakAuditIntervalSeconds: number;
  /** Maintenance wakes per second: the namespaces a takeover finds unsettled, and the audit's repairs. */
  maintenancePerSecond: number;
  /** How long events for one namespace are gathered before its workflow is told. */
  coalesceMs?: number;
}

export interface Watcher {
  ready(): boolean;
  stop(): Promise<void>;
  /** Counters for health and tests: notifications sent, informer restarts, namespaces looked at when taking over. */
  stats: { notified: number; restarts: number; takeoverPasses: number; takeoverSettled: number };
  /** Prometheus metrics of this watcher. */
  metrics: Registry;
}

function watcherMetrics(stats: Watcher['stats'], backlog: () => number): { registry: Registry; notifyFailures: Counter } {
  const registry = new Registry();
  const fromStats = (name: string, help: string, key: keyof Watcher['stats']) =>
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(stats[key]); } });
  fromStats('kagenti_watcher_notifications_total', 'Namespace workflows told to look again', 'notified');
  fromStats('kagenti_watcher_watch_restarts_total', 'Informer restarts after a failed watch or list', 'restarts');
  fromStats('kagenti_watcher_takeover_passes_total', 'Agent namespaces found not settled when this watcher took over, each given a pass', 'takeoverPasses');
  fromStats('kagenti_watcher_takeover_settled_total', 'Agent namespaces found settled when this watcher took over, left alone', 'takeoverSettled');
  const notifyFailures = new Counter({ name: 'kagenti_watcher_notification_failures_total', help: 'Failed attempts to tell a namespace workflow (retried)', registers: [registry] });
  new Gauge({ name: 'kagenti_watcher_backlog', help: 'Namespaces waiting to be told or being told', registers: [registry], collect() { this.set(backlog()); } });
  return { registry, notifyFailures };
}

/** The watcher's options from the process settings. */
export function watcherOptions(settings: Settings, extra: Partial<WatcherOptions> = {}): WatcherOptions {
  return {
    taskQueue: settings.taskQueue,
    operatorNamespace: settings.operatorNamespace,
    keycloakAuditIntervalSeconds: settings.keycloakAuditIntervalSeconds,
    maintenancePerSecond: settings.maintenancePerSecond,
    waypointProvisioning: settings.enableWaypointProvisioning,
    clientRegistration: settings.enableOperatorClientRegistration,
    injectTools: settings.injectTools,
    ...extra,
  };
}

/**
 * Turns cluster events into per-namespace workflow notifications. It keeps no state of its own: the
 * informer caches are rebuilt by listing. When it takes over (start-up, a new leader) it looks at
 * every agent namespace in its caches and tells only those that are not settled; after that, only
 * changes. Nothing runs on a timer: drift the watches cannot see (Keycloak) is the audit's, which
 * the watcher starts.
 */
export function startWatcher(kc: KubeConfig, client: Client, options: WatcherOptions, log: Logger): Watcher {
  const stats = { notified: 0, restarts: 0, takeoverPasses: 0, takeoverSettled: 0 };
  // The backlog is read at scrape time, when the notifier below exists.
  const metrics = watcherMetrics(stats, () => notifier.backlog());
  const notifier = namespaceNotifier(
    client,
    options.taskQueue,
    options.coalesceMs ?? 100,
    log,
    { notified: () => stats.notified++, failed: () => metrics.notifyFailures.inc() },
    (namespace) => informers.waypoint(namespace),
  );

  // Namespaces a takeover finds unsettled are maintenance: told a few per second, not all at once,
  // and not while the task queue holds new work or lags (see roomForMaintenance).
  let cancelTakeover = () => {};
  const maintenanceRoom = maintenanceGate(client, options.taskQueue);
  const takeOver = () => {
    const unsettled = unsettledNamespaces(informers, options, stats, log);
    cancelTakeover();
    cancelTakeover = paceOut(unsettled, options.maintenancePerSecond, maintenanceRoom, (namespace) => notifier.tell(namespace, 'takeover'));
  };

  const deletions = new Set<Promise<void>>();
  const namespaceDeleted = (namespace: string) => {
    const told = notifyNamespaceDeleted(client, namespace).catch((error: unknown) => log.warn({ namespace, err: String(error) }, 'Could not tell the workflow its namespace is gone'));
    deletions.add(told);
    void told.finally(() => deletions.delete(told));
  };
  // A fixed setting heals at once: every namespace left waiting is told, as new work.
  const operatorSettingsChanged = () => {
    const waiting = informers.waitingNamespaces();
    log.info({ waiting: waiting.length }, 'Operator settings changed: telling the namespaces that wait');
    for (const namespace of waiting) notifier.tell(namespace, 'change');
  };
  const informers: InformerSet = startInformers(
    kc,
    options.operatorNamespace,
    { changed: (namespace, reason) => notifier.tell(namespace, reason), namespaceDeleted, synced: takeOver, restarted: () => stats.restarts++, operatorSettingsChanged },
    log,
  );

  const stopAudit = keepKeycloakAuditInLine(client, options.taskQueue, { intervalSeconds: options.keycloakAuditIntervalSeconds, wakesPerSecond: options.maintenancePerSecond }, log);

  return {
    ready: () => informers.synced(),
    stats,
    metrics: metrics.registry,
    /** Stops watching and waits for notifications under way, so the Temporal client can be closed after. */
    async stop() {
      stopAudit();
      cancelTakeover();
      await informers.stop();
      await notifier.stop();
      await Promise.allSettled([...deletions]);
    },
  };
}

/** The agent namespaces in the caches that are not settled, counted in `stats`. */
function unsettledNamespaces(informers: InformerSet, options: WatcherOptions, stats: Watcher['stats'], log: Logger): string[] {
  const namespaces = [...informers.agentNamespaces()];
  const unsettled: string[] = [];
  for (const namespace of namespaces) {
    const cached = informers.cached(namespace);
    const why = cached ? unsettledReason(cached, options) : 'it is not in the cache';
    if (why === undefined) {
      stats.takeoverSettled++;
      continue;
    }
    stats.takeoverPasses++;
    log.debug({ namespace, why }, 'Not settled at takeover; telling its workflow');
    unsettled.push(namespace);
  }
  log.info({ agentNamespaces: namespaces.length, notSettled: unsettled.length }, 'Took over: telling the namespaces that are not settled');
  return unsettled;
}
