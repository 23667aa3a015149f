import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { injectorCertificateFiles } from '../sidecar-injector/certificate';
import { tsxCommand } from '../../tsx';
import type { ComponentSpec, StackContext } from './component';

/** True when `GET /healthz` answers 200 over TLS verified against the injector's own certificate. */
function healthy(port: number, ca: string): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz', ca, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolvePromise(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * The stand-in for Kagenti's legacy sidecar injector (tools/stack/sidecar-injector/), run by this
 * Node with tsx. Its certificate is written by `stack up`, so a restart serves the same one.
 */
export function sidecarInjectorComponent(ctx: StackContext): ComponentSpec {
  const port = ctx.ports['sidecar-injector'];
  const files = injectorCertificateFiles(ctx.dir);
  const [command, args] = tsxCommand(join(__dirname, '..', 'sidecar-injector', 'main.ts'), [
    `--port=${port}`,
    `--cert=${files.cert}`,
    `--key=${files.key}`,
  ]);
  return {
    name: 'sidecar-injector',
    process: { command, args },
    ready: () => healthy(port, readFileSync(files.cert, 'utf8')),
    readyTimeoutMs: 30_000,
  };
}
