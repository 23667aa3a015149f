import type { WorkflowHandle } from '@temporalio/client';

/** The activity types a workflow run scheduled (not local activities: those are markers), in order. */
export async function scheduledActivityTypes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}
