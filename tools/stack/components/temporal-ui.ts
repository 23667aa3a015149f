import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { answers } from '../wait';
import type { ComponentSpec, StackContext } from './component';

/**
 * The Temporal Web UI server (github.com/temporalio/ui-server, the version the CLI embeds) beside
 * the production profile's Temporal server, as the temporalio/ui image runs it: its own process,
 * on loopback, pointed at the frontend.
 */
export function temporalUiComponent(ctx: StackContext, namespace: string): ComponentSpec {
  const root = join(ctx.dir, 'temporal-ui');
  mkdirSync(join(root, 'config'), { recursive: true });
  const port = ctx.ports['temporal-ui'];
  writeFileSync(
    join(root, 'config', 'production.yaml'),
    stringify({
      temporalGrpcAddress: `127.0.0.1:${ctx.ports.temporal}`,
      host: '127.0.0.1',
      port,
      enableUi: true,
      defaultNamespace: namespace,
      notifyOnNewVersion: false,
      cors: { allowOrigins: [`http://127.0.0.1:${port}`], cookieInsecure: false },
    }),
  );
  return {
    name: 'temporal-ui',
    process: { command: ctx.artifacts.temporalUi, args: ['--root', root, '--config', 'config', '--env', 'production', 'start'], cwd: root },
    ready: () => answers(`http://127.0.0.1:${port}/api/v1/namespaces/${namespace}`),
    readyTimeoutMs: 60_000,
  };
}
