import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
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

/** Compiles the sources as the image's build stage does, into build/dist. */
export function compile(): string {
  const outDir = join(REPO_ROOT, 'build', 'dist');
  process.stderr.write('Compiling the worker and the watcher (tsc) ...\n');
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc failed');
  return outDir;
}

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

/** NODE_OPTIONS as deploy/base gives the process's container: the compiled runs use them, as deployed. */
export function deployedNodeOptions(name: ProvisionerProcess['name']): string {
  const documents = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy', 'base', `${name}.yaml`), 'utf8')).map((d) => d.toJS());
  const deployment = documents.find((d) => d?.kind === 'Deployment');
  const env: { name: string; value?: string }[] = deployment?.spec?.template?.spec?.containers?.[0]?.env ?? [];
  return env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}

/** Starts the worker or the watcher as its own process and waits until it is ready. */
export async function startProvisionerProcess(name: ProvisionerProcess['name'], runtime: Runtime, env: NodeJS.ProcessEnv, compiledDir?: string): Promise<ProvisionerProcess> {
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const [command, args] = runtime === 'compiled' ? [process.execPath, [join(compiledDir!, name, 'main.js')]] : tsxCommand(join(REPO_ROOT, name, 'main.ts'));
  const child = spawn(command, args, {
    env: {
      ...process.env,
      // As the image sets it: the workflows prebundled by `npm run bundle`.
      ...(runtime === 'compiled' ? { WORKFLOW_BUNDLE_PATH: join(REPO_ROOT, 'build', 'workflow-bundle.js'), NODE_OPTIONS: deployedNodeOptions(name) } : {}),
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

/** The sum of a Prometheus counter's series on a process's metrics endpoint. */
export async function counter(port: number, path: string, name: string): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  return [...body.matchAll(new RegExp(`^${name}(?:_total)?(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
