import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PersonTokens } from '../../config/person-sign-in';
import { servingCertificateFiles } from '../../tools/stack/production/stack-ca';
import { tsxCommand } from '../../tools/tsx';
import { launchChromium } from '../harness/browser';
import { eventually } from '../harness/eventually';
import { runCommand } from '../harness/migration';
import { testStack } from '../harness/stack';
import { temporalCliEnvironment, temporalTokenUrl } from '../harness/temporal-access';

// A person signs in with the project's CLI (`kwp login`: OAuth's device flow against the stack's
// Temporal realm), in a real Chromium, and the next commands use the kept sign-in, renewed by its
// refresh token when the access token is about to expire.
const CLI = join(__dirname, '..', '..', 'cli', 'main.ts');
const config = mkdtempSync(join(tmpdir(), 'kwp-cli-config-'));
const session = join(config, 'kagenti-waypoint', 'session.json');
// No token of any other kind in the CLI's environment: only the sign-in.
const env = () => ({ PATH: process.env.PATH ?? '', HOME: config, XDG_CONFIG_HOME: config, NODE_EXTRA_CA_CERTS: testStack().extraCaCerts ?? '', TEMPORAL_TOKEN_URL: temporalTokenUrl(), ...temporalCliEnvironment() });
const kwp = (args: string[]) => {
  const [command, base] = tsxCommand(CLI, args);
  return runCommand(command, base, env());
};

test('kwp login signs a person in by the device flow; the next commands use the kept sign-in and renew it', async () => {
  const [command, args] = tsxCommand(CLI, ['login']);
  const login = spawn(command, args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  login.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  login.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => login.once('exit', resolve));
  const page = await eventually(async () => /Open (\S+) and sign in \(code (\S+)\)/.exec(output)?.[1], 30_000, 'the sign-in page to be shown');

  const browser = await launchChromium([servingCertificateFiles(testStack().dir, 'keycloak').certFile]);
  try {
    const tab = await (await browser.newContext({ locale: 'en-US' })).newPage();
    tab.setDefaultTimeout(20_000);
    await tab.goto(page);
    const { approver } = testStack().temporal.access!.users;
    await tab.getByLabel('Username or email').fill(approver.username);
    await tab.getByLabel('Password', { exact: true }).fill(approver.password);
    await tab.getByRole('button', { name: 'Sign In' }).click();
    // Keycloak asks a device's user to consent.
    await tab.getByRole('button', { name: 'Yes' }).click();
  } finally {
    await browser.close();
  }
  expect(await exited).toBe(0);
  expect(output).toContain(`Signed in as ${testStack().temporal.access!.users.approver.username}`);
  expect(statSync(session).mode & 0o777).toBe(0o600);

  expect((await kwp(['list'])).stdout).toMatch(/^(WORKFLOW|No migrations)/);

  // An access token about to expire is renewed by the refresh token before the command runs.
  const kept = JSON.parse(readFileSync(session, 'utf8')) as PersonTokens;
  writeFileSync(session, JSON.stringify({ ...kept, expiresAt: Date.now() }), { mode: 0o600 });
  expect((await kwp(['list'])).stdout).toMatch(/^(WORKFLOW|No migrations)/);
  const renewed = JSON.parse(readFileSync(session, 'utf8')) as PersonTokens;
  // Compared, never printed: a failure message must not carry a token.
  expect(renewed.accessToken === kept.accessToken).toBe(false);
  expect(renewed.expiresAt).toBeGreaterThan(Date.now());

  expect((await kwp(['logout'])).stdout).toContain('Signed out.');
  await expect(kwp(['list'])).rejects.toThrow(/error: not signed in: run 'login' first/);
}, 120_000);
