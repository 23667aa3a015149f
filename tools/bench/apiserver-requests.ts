import { KubeConfig } from '@kubernetes/client-node';
import { request, RequestOptions } from 'node:https';
import { cpuOver } from './cpu';
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

/** What `work` cost: CPU seconds per process (cpuOver) and the apiserver's requests, all clients together. */
export async function costOver<T>(kc: KubeConfig, processes: () => Record<string, number>, work: () => Promise<T>) {
  const requestsBefore = await apiserverRequests(kc);
  const measurement = await cpuOver(processes, work);
  return { ...measurement, requests: (await apiserverRequests(kc)) - requestsBefore };
}
