import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { Coalescer } from './coalescer';
import { InformerSet, startInformers } from './informers';
import { notifyNamespaceChanged, notifyNamespaceDeleted } from './notifier';
import { spreadOver } from './spread';

export interface WatcherOptions {
  taskQueue: string;
  resyncIntervalSeconds: number;
  /** How long events for one namespace are gathered before its workflow is told. */
  coalesceMs?: number;
}

export interface Watcher {
  ready(): boolean;
  stop(): Promise<void>;
  /** Counters for health and tests: notifications sent, informer restarts. */
  stats: { notified: number; restarts: number; resyncs: number };
  /** Prometheus metrics of this watcher. */
  metrics: Registry;
}

function watcherMetrics(stats: Watcher['stats'], backlog: () => number): { registry: Registry; notifyFailures: Counter } {
  const registry = new Registry();
  const fromStats = (name: string, help: string, key: keyof Watcher['stats']) =>
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(stats[key]); } });
  fromStats('kagenti_watcher_notifications_total', 'Namespace workflows told to look again', 'notified');
  fromStats('kagenti_watcher_watch_restarts_total', 'Informer restarts after a failed watch or list', 'restarts');
  fromStats('kagenti_watcher_resyncs_total', 'Full resyncs of every agent namespace', 'resyncs');
  const notifyFailures = new Counter({ name: 'kagenti_watcher_notification_failures_total', help: 'Failed attempts to tell a namespace workflow (retried)', registers: [registry] });
  new Gauge({ name: 'kagenti_watcher_backlog', help: 'Namespaces waiting to be told or being told', registers: [registry], collect() { this.set(backlog()); } });
  return { registry, notifyFailures };
}

/**
 * Turns cluster events into per-namespace workflow notifications. It keeps no state of its own: the
 * informer caches are rebuilt by listing, and a resync tells every agent namespace's workflow to
 * look again, so nothing is lost across restarts of the watcher or the apiserver.
 */
export function startWatcher(kc: KubeConfig, client: Client, options: WatcherOptions, log: Logger): Watcher {
  const stats = { notified: 0, restarts: 0, resyncs: 0 };
  // The backlog is read at scrape time, when the coalescer below exists.
  const metrics = watcherMetrics(stats, () => coalescer.backlog);
  const coalescer = new Coalescer(
    async (namespace) => {
      await notifyNamespaceChanged(client, namespace, options.taskQueue);
      stats.notified++;
      log.debug({ namespace }, 'Notified namespace workflow');
    },
    options.coalesceMs ?? 100,
    (namespace, error) => {
      metrics.notifyFailures.inc();
      log.warn({ namespace, err: String(error) }, 'Could not notify the namespace workflow; retrying');
    },
  );
  const deletions = new Set<Promise<void>>();
  const informers: InformerSet = startInformers(
    kc,
    {
      changed: (namespace) => coalescer.notify(namespace),
      namespaceDeleted: (namespace) => {
        const told = notifyNamespaceDeleted(client, namespace).catch((error: unknown) =>
          log.warn({ namespace, err: String(error) }, 'Could not tell the workflow its namespace is gone'),
        );
        deletions.add(told);
        void told.finally(() => deletions.delete(told));
      },
      restarted: () => stats.restarts++,
    },
    log,
  );

  // A resync is a full pass per agent namespace. All at once they would queue ahead of real
  // changes (a new agent would wait behind every namespace's pass), so they are spread over the
  // interval; each namespace is still looked at once per interval. (Start-up needs no resync: the
  // informers' first lists report every namespace.)
  let cancelSpread = () => {};
  const resync = () => {
    if (!informers.synced()) return;
    stats.resyncs++;
    const namespaces = [...informers.agentNamespaces()];
    log.info({ namespaces: namespaces.length, seconds: options.resyncIntervalSeconds }, 'Resync: telling every agent namespace workflow to look again, spread over the interval');
    cancelSpread();
    cancelSpread = spreadOver(namespaces, options.resyncIntervalSeconds * 1000, (namespace) => coalescer.notify(namespace));
  };
  const timer = options.resyncIntervalSeconds > 0 ? setInterval(resync, options.resyncIntervalSeconds * 1000) : undefined;

  return {
    ready: () => informers.synced(),
    stats,
    metrics: metrics.registry,
    /** Stops watching and waits for notifications under way, so the Temporal client can be closed after. */
    async stop() {
      if (timer) clearInterval(timer);
      cancelSpread();
      await informers.stop();
      await coalescer.stop();
      await Promise.allSettled([...deletions]);
    },
  };
}
