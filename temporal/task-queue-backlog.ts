import type { Client } from '@temporalio/client';
import { PRIORITY_KEY } from '../model/provisioning';

/** What the server holds queued on a task queue, for workflow and activity tasks together. */
export interface TaskQueueBacklog {
  /** Tasks queued, of any priority. */
  queued: number;
  /** Tasks of new work's priority key or a higher one, queued. */
  newWork: number;
  /** Age of the oldest queued task, in seconds. */
  oldestSeconds: number;
}

/** Maintenance waits while a queued task is older than this: the worker is not keeping up. */
const BEHIND_AFTER_SECONDS = 1;

/** The server's reading of a task queue (its figures are refreshed every few seconds). */
export async function readTaskQueueBacklog(client: Client, taskQueue: string): Promise<TaskQueueBacklog> {
  const backlog: TaskQueueBacklog = { queued: 0, newWork: 0, oldestSeconds: 0 };
  for (const taskQueueType of [1, 2] as const) {
    const described = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType, reportStats: true });
    for (const [key, stats] of Object.entries(described.statsByPriorityKey ?? {})) {
      const count = Number(stats.approximateBacklogCount ?? 0);
      backlog.queued += count;
      if (Number(key) <= PRIORITY_KEY.new) backlog.newWork += count;
    }
    const age = described.stats?.approximateBacklogAge;
    backlog.oldestSeconds = Math.max(backlog.oldestSeconds, Number(age?.seconds ?? 0) + (age?.nanos ?? 0) / 1e9);
  }
  return backlog;
}

/**
 * Whether maintenance may wake more namespaces now: only while no new work is queued on the server
 * and nothing queued waits longer than a second. Maintenance then goes at the rate the worker and
 * the servers sustain, never ahead of new agents (docs/provisioning.md, "New work first").
 */
export function roomForMaintenance(backlog: TaskQueueBacklog): boolean {
  return backlog.newWork === 0 && backlog.oldestSeconds <= BEHIND_AFTER_SECONDS;
}

/** How long one reading of the backlog is used: the server refreshes its figures no faster. */
const READING_TTL_MS = 1_000;

/**
 * A gate for maintenance on one task queue (see roomForMaintenance), reading the server at most once
 * a second however often it is asked. A reading that fails opens the gate: maintenance then goes at
 * its set rate, as it would without the gate.
 */
export function maintenanceGate(client: Client, taskQueue: string): () => Promise<boolean> {
  let reading: { at: number; room: Promise<boolean> } | undefined;
  return () => {
    if (!reading || Date.now() - reading.at > READING_TTL_MS) {
      reading = { at: Date.now(), room: readTaskQueueBacklog(client, taskQueue).then(roomForMaintenance, () => true) };
    }
    return reading.room;
  };
}
