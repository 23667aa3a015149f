import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trustCa } from '../../tools/stack/production/stack-ca';
import { Profile, profileOf, readState } from '../../tools/stack/state';
import { clearRunLogs } from './run-logs';
import { startSecretCollector } from './run-secret-scan';
import { isAlive } from '../../tools/stack/process';
import { tsxCommand } from '../../tools/tsx';

const REPO = join(__dirname, '..', '..');

/** What global-teardown needs of the run: kept on the global object, which both share. */
export interface RunContext {
  startedAt: Date;
  collector: ReturnType<typeof startSecretCollector>;
}

/** Starts collecting the run's secrets for the run-wide scan that global-teardown does. */
function beginRun(dir: string): void {
  clearRunLogs();
  (globalThis as { kwpRun?: RunContext }).kwpRun = { startedAt: new Date(), collector: startSecretCollector(readState(dir)!) };
}

/** The variable that hands a running stack of each profile to the run instead of starting one. */
const GIVEN_STACK: Record<Profile, string> = { development: 'KWP_TEST_STACK_DIR', production: 'KWP_TEST_PRODUCTION_STACK_DIR' };

/**
 * Starts one stack of `profile` for the whole test run in a fresh temporary folder, or uses the
 * running stack named by KWP_TEST_STACK_DIR (development) or KWP_TEST_PRODUCTION_STACK_DIR.
 * Tests find it through KWP_STACK_DIR. A stack whose Keycloak serves HTTPS has its CA trusted by
 * the run and by every process it starts.
 */
export async function setUpRun(profile: Profile): Promise<void> {
  const variable = GIVEN_STACK[profile];
  const given = process.env[variable];
  let dir: string;
  if (given) {
    const state = readState(given);
    if (!state || !Object.values(state.components).every((c) => c && isAlive(c.pid))) {
      throw new Error(`${variable}=${given} names no running stack; start one with 'npm run stack -- up${profile === 'production' ? ' --profile production' : ''}'.`);
    }
    if (profileOf(state) !== profile) throw new Error(`${variable}=${given} runs a ${profileOf(state)} stack; these tests need a ${profile} one.`);
    dir = given;
    process.env.KWP_TEST_STACK_OWNED = '';
  } else {
    dir = mkdtempSync(join(tmpdir(), `kwp-test-${profile}-`));
    const [command, args] = tsxCommand('tools/stack/main.ts', ['up', '--fresh', '--profile', profile]);
    const result = spawnSync(command, args, {
      cwd: REPO,
      env: { ...process.env, KWP_STACK_DIR: dir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`The test stack did not start (see above); its folder is ${dir}`);
    process.env.KWP_TEST_STACK_OWNED = '1';
  }
  process.env.KWP_STACK_DIR = dir;
  const state = readState(dir)!;
  if (state.keycloak.caFile) trustCa(state.keycloak.caFile);
  if (state.extraCaCerts) process.env.NODE_EXTRA_CA_CERTS = state.extraCaCerts;
  beginRun(dir);
}

/** The integration project: the development profile. */
export default function globalSetup(): Promise<void> {
  return setUpRun('development');
}
