import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';

/**
 * One GET against the stack's kube-apiserver with the admin token, trusting its self-signed
 * serving certificate. Used only for health probes, before a full client is worth building.
 */
export function kubeGet(
  ctx: { dir: string; ports: { 'kube-apiserver': number }; adminToken: string },
  path: string,
): Promise<{ status: number; body: string }> {
  const ca = readFileSync(join(ctx.dir, 'pki', 'apiserver.crt'));
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: ctx.ports['kube-apiserver'],
        path,
        ca,
        headers: { Authorization: `Bearer ${ctx.adminToken}` },
        timeout: 2000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
