import { KubeConfig } from '@kubernetes/client-node';
import { request, RequestOptions } from 'node:https';
import { sumCounter } from './processes';

/**
 * Requests the kube-apiserver has served so far, all clients together (its
 * apiserver_request_total counter): the difference over a phase is what the phase cost it.
 */
export async function apiserverRequests(kc: KubeConfig): Promise<number> {
  const url = new URL('/metrics', kc.getCurrentCluster()!.server);
  const options: RequestOptions = { host: url.hostname, port: url.port, path: url.pathname, method: 'GET' };
  await kc.applyToHTTPSOptions(options);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`apiserver /metrics answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
  return sumCounter(body, 'apiserver_request');
}
