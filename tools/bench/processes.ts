import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compiledCommand } from '../compiled';
import { REPO_ROOT } from '../stack/paths';
import { freePort } from '../stack/ports';
import { tsxCommand } from '../tsx';

/** How the worker and the watcher run: `compiled` as the image runs them (tsc output), `tsx` as `npm start` does. */
export type Runtime = 'compiled' | 'tsx';

export interface ProvisionerProcess {
  name: 'worker' | 'watcher';
  child: ChildProcess;
  healthPort: number;
  metricsPort: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitHealthy(port: number, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${what} did not become ready`);
}

/** Starts the worker or the watcher as its own process and waits until it is ready. */
export async function startProvisionerProcess(name: ProvisionerProcess['name'], runtime: Runtime, env: NodeJS.ProcessEnv, compiledDir?: string): Promise<ProvisionerProcess> {
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const compiled = runtime === 'compiled' ? compiledCommand(name, compiledDir!) : undefined;
  const [command, args] = compiled ? [compiled.command, compiled.args] : tsxCommand(join(REPO_ROOT, name, 'main.ts'));
  const child = spawn(command, args, {
    env: {
      ...process.env,
      ...compiled?.env,
      ...env,
      HEALTH_PORT: String(healthPort),
      METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // A benchmark whose worker died (out of memory, say) would wait forever: stop at once instead.
  const died = (code: number | null, signal: NodeJS.Signals | null) => {
    if (signal !== 'SIGTERM' && code !== 0) {
      process.stderr.write(`\n${name} exited unexpectedly (code ${code}, signal ${signal})\n`);
      process.exit(1);
    }
  };
  child.once('exit', died);
  await waitHealthy(healthPort, name);
  return { name, child, healthPort, metricsPort };
}

/** Stops a process with SIGTERM and waits for it to exit. */
export async function stopProcess(p: ProvisionerProcess): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  await exited;
}

/** Resident memory of a process now and at its peak, in MiB. */
export function rssMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { now: field('VmRSS'), peak: field('VmHWM') };
}

/** The sum of a Prometheus counter's series in a metrics page (`name` with or without `_total`). */
export function sumCounter(page: string, name: string): number {
  return [...page.matchAll(new RegExp(`^${name}(?:_total)?(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?(?:e\\+\\d+)?)`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** The sum of a Prometheus counter's series on a process's metrics endpoint. */
export async function counter(port: number, path: string, name: string): Promise<number> {
  return sumCounter(await (await fetch(`http://127.0.0.1:${port}${path}`)).text(), name);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
