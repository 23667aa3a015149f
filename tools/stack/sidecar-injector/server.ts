import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { MalformedReview, reviewPodCreation } from './review';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolvePromise(body));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType }).end(body);
}

async function mutate(req: IncomingMessage, res: ServerResponse, log: (line: string) => void): Promise<void> {
  try {
    const { review, pod, added } = reviewPodCreation(await readBody(req));
    log(added.length > 0 ? `${pod}: added ${added.join(', ')}` : `${pod}: nothing to add`);
    reply(res, 200, 'application/json', JSON.stringify(review));
  } catch (error) {
    if (!(error instanceof MalformedReview)) throw error;
    log(`refused a malformed request: ${error.message}`);
    reply(res, 400, 'text/plain', `malformed AdmissionReview: ${error.message}\n`);
  }
}

/** The webhook's HTTPS server: `POST /mutate` (AdmissionReview v1) and `GET /healthz`. */
export function createInjectorServer(tls: { key: string; cert: string }, log: (line: string) => void): Server {
  return createServer(tls, (req, res) => {
    // The apiserver appends ?timeout=5s to the configured URL.
    const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
    if (path === '/healthz' && req.method === 'GET') return reply(res, 200, 'text/plain', 'ok\n');
    if (path !== '/mutate') return reply(res, 404, 'text/plain', 'not found\n');
    if (req.method !== 'POST') return reply(res, 405, 'text/plain', 'POST an AdmissionReview\n');
    mutate(req, res, log).catch((error: unknown) => {
      log(`failed: ${String(error)}`);
      reply(res, 500, 'text/plain', 'internal error\n');
    });
  });
}
