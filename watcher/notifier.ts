import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { WakeReason } from '../model/provisioning';
import type { WaypointState } from '../model/waypoint-gateway';
import { notifyNamespaceChanged } from '../temporal/namespace-workflows';
import { Coalescer } from './coalescer';

/**
 * Whether `next` replaces `queued` as the reason a namespace is told: a change outranks
 * everything; maintenance (a takeover, an audit) outranks a waypoint wake, which asks for a pass
 * only if the last one did not find the waypoint ready.
 */
export function outranks(next: WakeReason, queued: WakeReason | undefined): boolean {
  return queued === undefined || next === 'change' || queued === 'waypoint';
}

/**
 * Tells namespace workflows to look again, events for one namespace gathered for `coalesceMs` first,
 * each with its strongest reason (see outranks); a waypoint wake carries istiod's latest verdict.
 * A failed notification is retried by the coalescer, keeping its reason.
 */
export function namespaceNotifier(
  client: Client,
  taskQueue: string,
  coalesceMs: number,
  log: Logger,
  events: { notified(): void; failed(): void },
  /** istiod's verdict on a namespace's waypoint as the caches hold it when the namespace is told. */
  waypointOf: (namespace: string) => WaypointState | undefined,
) {
  // Why each waiting namespace is to be told.
  const reasons = new Map<string, WakeReason>();
  const coalescer = new Coalescer(
    async (namespace) => {
      const reason = reasons.get(namespace) ?? 'change';
      reasons.delete(namespace);
      try {
        await notifyNamespaceChanged(client, namespace, taskQueue, reason === 'waypoint' ? { reason, waypoint: waypointOf(namespace) } : { reason });
      } catch (error) {
        if (outranks(reason, reasons.get(namespace))) reasons.set(namespace, reason);
        throw error;
      }
      events.notified();
      log.debug({ namespace, reason }, 'Notified namespace workflow');
    },
    coalesceMs,
    (namespace, error) => {
      events.failed();
      log.warn({ namespace, err: String(error) }, 'Could not notify the namespace workflow; retrying');
    },
  );
  return {
    tell(namespace: string, reason: WakeReason): void {
      if (outranks(reason, reasons.get(namespace))) reasons.set(namespace, reason);
      coalescer.notify(namespace);
    },
    /** Namespaces waiting to be told or being told. */
    backlog: () => coalescer.backlog,
    stop: () => coalescer.stop(),
  };
}
