import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tsxCommand } from '../../../tools/tsx';

const run = promisify(execFile);

/** Runs the project CLI as a user does; no Temporal server is needed to refuse bad input. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [command, argv] = tsxCommand(join(__dirname, '..', '..', '..', 'cli', 'main.ts'), args);
  try {
    const { stdout, stderr } = await run(command, argv, { env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('--help and no command print the usage', async () => {
  for (const args of [['--help'], []]) {
    const { code, stdout } = await cli(args);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run -s kwp -- <command>');
    expect(stdout).toContain('--temporal-address (TEMPORAL_ADDRESS, default 127.0.0.1:7233)');
  }
});

test.each([
  [['migrate'], 'error: migrate needs a namespace'],
  [['frobnicate', 'team1'], "error: unknown command 'frobnicate'"],
  [['migrate', 'team1', '--strategy', 'big-bang'], "error: --strategy must be waves or all-at-once, not 'big-bang'"],
  [['migrate', 'team1', '--batch-size', '0'], "error: --batch-size must be a whole number of at least 1, not '0'"],
  [['migrate', 'team1', '--on-approval-timeout', 'explode'], "error: --on-approval-timeout must be pause or rollback, not 'explode'"],
  [['migrate', 'team1', '--rollout-timeout', '1.5'], "error: --rollout-timeout must be a whole number of at least 1, not '1.5'"],
  [['approve', 'team1', '--nope'], "error: Unknown option '--nope'; see --help"],
  [['approve', 'team1', '--gate'], "error: Option '--gate <value>' argument missing; see --help"],
  [['status', 'team1', 'extra'], 'error: unexpected argument(s): extra'],
])('%j is refused with one clear line, before connecting anywhere', async (args, message) => {
  const { code, stderr } = await cli(args);
  expect(code).toBe(1);
  expect(stderr.split('\n')[0]).toBe(message);
});
