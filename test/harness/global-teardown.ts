import { rmSync } from 'node:fs';
import { down } from '../../tools/stack/stack';
import { readState } from '../../tools/stack/state';
import type { RunContext } from './global-setup';
import { scanRun } from './run-secret-scan';

/**
 * The run-wide secret scan (every history of the run on every task queue, every provisioner log),
 * then stops the stack that global-setup started (never one that was handed in) and removes its
 * folder. A finding fails the run.
 */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.KWP_STACK_DIR;
  const run = (globalThis as { kwpRun?: RunContext }).kwpRun;
  let findings: string[] = [];
  if (dir && run) {
    run.collector.stop();
    const secrets = run.collector.secrets();
    const scan = await scanRun(readState(dir)!, run.startedAt, secrets);
    findings = scan.findings;
    console.log(
      `Run-wide secret scan: ${secrets.length} secrets looked for in ${scan.histories} workflow histories on ${scan.taskQueues} task queues ` +
        `and ${scan.logs} logs (provisioners and servers): ${findings.length === 0 ? 'none found' : `${findings.length} finding(s)`}`,
    );
  }
  if (dir && process.env.KWP_TEST_STACK_OWNED === '1') {
    await down(dir);
    if (!process.env.KWP_KEEP_STACK_DIR) rmSync(dir, { recursive: true, force: true });
  }
  if (findings.length > 0) throw new Error(`Secrets found by the run-wide scan:\n${findings.join('\n')}`);
}
