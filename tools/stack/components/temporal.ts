import { Connection } from '@temporalio/client';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../../workflows/search-attributes';
import type { ComponentSpec, StackContext } from './component';

/** The CLI's `--search-attribute` type names for the SDK's search attribute types. */
const CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export const TEMPORAL_NAMESPACE = 'default';

/**
 * Server settings the provisioner relies on, for the dev server and the production profile alike
 * (docs/provisioning.md, "New work first"): the task matcher that serves queued tasks by priority
 * key. Each of a task queue's four partitions orders its own tasks, so a new agent's task is served
 * after those its poller met first in other partitions (measured: 1st to 9th of 61). One partition
 * would order them all, but then one worker took every task of a burst (docs/provisioning.md).
 */
export const TEMPORAL_DYNAMIC_CONFIG: [string, unknown][] = [['matching.useNewMatcher', true]];

/** The Temporal dev server with its Web UI, persisting to a SQLite file in the stack folder. */
export function temporalComponent(ctx: StackContext): ComponentSpec {
  const address = `127.0.0.1:${ctx.ports.temporal}`;
  return {
    name: 'temporal',
    process: {
      command: ctx.artifacts.temporal,
      args: [
        'server',
        'start-dev',
        '--ip=127.0.0.1',
        `--port=${ctx.ports.temporal}`,
        `--ui-port=${ctx.ports['temporal-ui']}`,
        `--http-port=${ctx.ports['temporal-http']}`,
        `--metrics-port=${ctx.ports['temporal-metrics']}`,
        `--db-filename=${join(ctx.dir, 'temporal.sqlite')}`,
        // A local development store: write-ahead log without fsync on every commit (like etcd's
        // --unsafe-no-fsync here). A crash of the machine may lose the last writes; a crash of a
        // process does not.
        '--sqlite-pragma=journal_mode=wal',
        '--sqlite-pragma=synchronous=off',
        `--namespace=${TEMPORAL_NAMESPACE}`,
        '--log-level=warn',
        ...TEMPORAL_DYNAMIC_CONFIG.map(([key, value]) => `--dynamic-config-value=${key}=${JSON.stringify(value)}`),
        ...SEARCH_ATTRIBUTES.map((key) => `--search-attribute=${key.name}=${CLI_TYPE[key.type]}`),
      ],
    },
    ready: async () => {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: TEMPORAL_NAMESPACE });
        return true;
      } finally {
        await connection.close();
      }
    },
    readyTimeoutMs: 60_000,
  };
}
