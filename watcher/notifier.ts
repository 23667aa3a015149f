import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { WakeReason } from '../model/provisioning';
import { notifyNamespaceChanged } from '../temporal/namespace-workflows';
import { Coalescer } from './coalescer';

/**
 * Tells namespace workflows to look again, events for one namespace gathered for `coalesceMs` first,
 * each with why: a change outranks maintenance (a takeover, an audit). A failed notification is
 * retried by the coalescer, keeping its reason.
 */
export function namespaceNotifier(client: Client, taskQueue: string, coalesceMs: number, log: Logger, events: { notified(): void; failed(): void }) {
  // Why each waiting namespace is to be told.
  const reasons = new Map<string, WakeReason>();
  const coalescer = new Coalescer(
    async (namespace) => {
      const reason = reasons.get(namespace) ?? 'change';
      reasons.delete(namespace);
      try {
        await notifyNamespaceChanged(client, namespace, taskQueue, reason);
      } catch (error) {
        if (!reasons.has(namespace) || reason === 'change') reasons.set(namespace, reason);
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
      if (reason === 'change' || !reasons.has(namespace)) reasons.set(namespace, reason);
      coalescer.notify(namespace);
    },
    /** Namespaces waiting to be told or being told. */
    backlog: () => coalescer.backlog,
    stop: () => coalescer.stop(),
  };
}
