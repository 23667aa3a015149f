export const TEMPORAL_NAMESPACE = 'default';

/**
 * Server settings the provisioner relies on, on both profiles (docs/provisioning.md, "New work
 * first"): the task matcher that serves queued tasks by priority key. Each of a task queue's four
 * partitions orders its own tasks, so a new agent's task is served after those its poller met
 * first in other partitions (measured: 1st to 9th of 61). One partition would order them all, but
 * then one worker took every task of a burst (docs/provisioning.md).
 */
export const TEMPORAL_DYNAMIC_CONFIG: [string, unknown][] = [['matching.useNewMatcher', true]];
