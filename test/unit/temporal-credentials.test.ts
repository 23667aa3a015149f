import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { temporalAccess } from '../../config/temporal-connection';
import { checkTokenUrl, keysUrlOf, TemporalTokens, tokenHolder } from '../../config/temporal-credentials';
import { loadTemporalSettings } from '../../config/settings';

// A token endpoint on loopback stands in for Keycloak's here, where only the renewal schedule and
// the refusals are under test; test/production/temporal-access.test.ts runs it against Keycloak.
let server: Server;
let url: string;
let issued = 0;
let refuse = false;
const lifetimeSeconds = 1;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const ok = !refuse && form.get('client_secret') === 'right';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { access_token: `token-${++issued}`, expires_in: lifetimeSeconds } : { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(() => server.close());

const secretFile = (value: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'kwp-secret-')), 'secret');
  writeFileSync(file, value);
  return file;
};
const quiet = pino({ level: 'silent' });

test('a token URL must be https, or http on loopback only', () => {
  expect(checkTokenUrl('https://keycloak.example/realms/t/protocol/openid-connect/token').protocol).toBe('https:');
  expect(checkTokenUrl('http://127.0.0.1:8080/token').protocol).toBe('http:');
  expect(() => checkTokenUrl('http://keycloak.example/token')).toThrow(/must be https/);
  expect(() => checkTokenUrl('not a url')).toThrow(/not a URL/);
});

test('tokens are renewed before they expire, and a failed renewal keeps the current one and is retried', async () => {
  refuse = false;
  const tokens = await TemporalTokens.start({ tokenUrl: url, clientId: 'worker', clientSecretFile: secretFile('right') }, quiet);
  const seen: string[] = [];
  tokens.onRenewed((token) => void seen.push(token));
  const first = tokens.token();
  await new Promise((resolve) => setTimeout(resolve, 1400));
  expect(seen.length).toBeGreaterThanOrEqual(1);
  expect(tokens.token()).not.toBe(first);
  refuse = true;
  const held = tokens.token();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(tokens.token()).toBe(held);
  refuse = false;
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect(tokens.token()).not.toBe(held);
  tokens.stop();
});

test('a process that cannot get its first token does not start, and says why without the secret', async () => {
  refuse = false;
  await expect(TemporalTokens.start({ tokenUrl: url, clientId: 'worker', clientSecretFile: secretFile('wrong-secret-value') }, quiet)).rejects.toThrow(/refused a token to client worker \(unauthorized_client/);
  await expect(TemporalTokens.start({ tokenUrl: url, clientId: 'worker', clientSecretFile: '/nonexistent/secret' }, quiet)).rejects.toThrow(/cannot read the Temporal client secret file \/nonexistent\/secret: ENOENT/);
  await TemporalTokens.start({ tokenUrl: url, clientId: 'worker', clientSecretFile: secretFile('wrong-secret-value') }, quiet).catch((error: Error) => expect(error.message).not.toContain('wrong-secret-value'));
});

test('a token never goes in clear text beyond loopback, and client credentials need a secret file', async () => {
  await expect(temporalAccess(loadTemporalSettings({ 'temporal-address': 'temporal.example:7233' }, { TEMPORAL_API_KEY: 'k' }), quiet)).rejects.toThrow(/in clear text/);
  await expect(temporalAccess(loadTemporalSettings({ 'temporal-token-url': url }, {}), quiet)).rejects.toThrow(/needs --temporal-client-secret-file/);
  const tls = await temporalAccess(loadTemporalSettings({ 'temporal-address': 'temporal.example:7233', 'temporal-tls': 'true' }, { TEMPORAL_API_KEY: 'k' }), quiet);
  expect(tls.tls).toEqual({});
  expect(tls.token?.()).toBe('k');
  expect((await temporalAccess(loadTemporalSettings({}, {}), quiet)).tls).toBe(false);
});

test("a token's holder is its preferred_username, else its subject", () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  expect(tokenHolder(jwt({ preferred_username: 'approver', sub: 'abc' }))).toBe('approver');
  expect(tokenHolder(jwt({ sub: 'abc' }))).toBe('abc');
  expect(tokenHolder('garbage')).toBeUndefined();
});

test("a Keycloak realm's keys are watched beside its token endpoint; another shape of endpoint is not watched", () => {
  expect(keysUrlOf('https://kc.example/realms/temporal/protocol/openid-connect/token')).toBe('https://kc.example/realms/temporal/protocol/openid-connect/certs');
  expect(keysUrlOf('https://idp.example/oauth2/token')).toBeUndefined();
});
