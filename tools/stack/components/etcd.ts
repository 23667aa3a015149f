import { join } from 'node:path';
import { answers } from '../wait';
import type { ComponentSpec, StackContext } from './component';

export function etcdComponent(ctx: StackContext): ComponentSpec {
  const client = `http://127.0.0.1:${ctx.ports.etcd}`;
  const peer = `http://127.0.0.1:${ctx.ports['etcd-peer']}`;
  return {
    name: 'etcd',
    process: {
      command: ctx.artifacts.etcd,
      args: [
        '--name=default',
        `--data-dir=${join(ctx.dir, 'etcd')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=default=${peer}`,
        // A throw-away test store: durability across power loss is not needed, speed is.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
    },
    ready: () => answers(`${client}/health`),
    readyTimeoutMs: 30_000,
  };
}
