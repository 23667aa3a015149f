import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { injectorCertificateFiles, writeInjectorCertificate } from '../../../tools/stack/sidecar-injector/certificate';
import { createInjectorServer } from '../../../tools/stack/sidecar-injector/server';

/** One request to the server, verifying its certificate as the apiserver does (the certificate is its own CA). */
function call(port: number, ca: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, ca, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('sidecar injector HTTPS server', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let ca: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kwp-injector-'));
    await writeInjectorCertificate(dir);
    const files = injectorCertificateFiles(dir);
    ca = readFileSync(files.cert, 'utf8');
    server = createInjectorServer({ cert: ca, key: readFileSync(files.key, 'utf8') }, (line) => lines.push(line));
    await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolvePromise) => server.close(resolvePromise));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the key is readable by its owner only', () => {
    expect(statSync(injectorCertificateFiles(dir).key).mode & 0o777).toBe(0o600);
  });

  test('GET /healthz answers over TLS for 127.0.0.1', async () => {
    expect(await call(port, ca, 'GET', '/healthz')).toEqual({ status: 200, text: 'ok\n' });
  });

  test('POST /mutate (with the timeout query the apiserver adds) answers an AdmissionReview', async () => {
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u-1',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        namespace: 'team1',
        object: { metadata: { name: 'p', labels: { 'kagenti.io/type': 'agent', 'kagenti.io/envoy-proxy-inject': 'true' } }, spec: { containers: [{ name: 'agent' }] } },
      },
    });
    const { status, text } = await call(port, ca, 'POST', '/mutate?timeout=5s', body);
    expect(status).toBe(200);
    expect(JSON.parse(text).response).toMatchObject({ uid: 'u-1', allowed: true, patchType: 'JSONPatch' });
    expect(lines).toContain('team1/p: added envoy-proxy');
  });

  test('a malformed request gets 400 with the reason', async () => {
    expect(await call(port, ca, 'POST', '/mutate', 'not json')).toEqual({
      status: 400,
      text: expect.stringMatching(/^malformed AdmissionReview: the body is not JSON: /),
    });
  });

  test('other paths and methods are refused', async () => {
    expect((await call(port, ca, 'GET', '/mutate')).status).toBe(405);
    expect((await call(port, ca, 'GET', '/other')).status).toBe(404);
  });
});
