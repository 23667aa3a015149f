import { ChildProcess, spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../tools/stack/ports';
import { eventually } from '../../harness/eventually';
import { runCommand } from '../../harness/migration';
import { testStack } from '../../harness/stack';

// No container runtime exists here, so the image cannot be built. This runs the Dockerfile's own
// build-stage commands on the host into a scratch folder laid out like the image's /app, checks
// that the compiled code needs only production dependencies (the image prunes the others), and
// starts the image's entry points against the real test stack.
const REPO = join(__dirname, '..', '..', '..');
const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const buildConfig = JSON.parse(readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
let app: string;

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'kwp-image-'));
  cpSync(join(REPO, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'));
  const build = /RUN npx tsc -p tsconfig.build.json/.test(dockerfile);
  expect(build).toBe(true);
  await runCommand(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', join(REPO, 'tsconfig.build.json'), '--outDir', join(app, 'dist')]);
  await runCommand(process.execPath, [join(app, 'dist', 'worker', 'bundle.js')], { ...process.env, WORKFLOW_BUNDLE_PATH: join(app, 'dist', 'workflow-bundle.js') });
}, 180_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

test('the Dockerfile copies every source folder the build compiles', () => {
  const copied = [...dockerfile.matchAll(/^COPY (\w[\w-]*) \.\/\1$/gm)].map((m) => m[1]);
  expect(copied.sort()).toEqual([...buildConfig.include].sort());
});

test('the compiled code requires only Node built-ins and production dependencies', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const files = (readdirSync(join(app, 'dist'), { recursive: true }) as string[]).filter((f) => f.endsWith('.js') && !f.endsWith('workflow-bundle.js'));
  const required = new Set<string>();
  for (const file of files) {
    for (const [, spec] of readFileSync(join(app, 'dist', file), 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
      required.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  const missing = [...required].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name) && !pkg.dependencies[name]);
  expect(missing).toEqual([]);
  expect(required.size).toBeGreaterThan(5);
});

function start(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(app, 'dist', entry)], { cwd: app, env: { ...process.env, ...env }, stdio: 'ignore' });
}

async function readyThenStopped(child: ChildProcess, port: number): Promise<void> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 60_000, 'the entry point to be ready');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}

test('the worker and watcher entry points start from the build, become ready, and stop cleanly on SIGTERM', async () => {
  const stack = testStack();
  const common = {
    NODE_ENV: 'production',
    KUBECONFIG: stack.kubernetes.kubeconfig,
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    TEMPORAL_TASK_QUEUE: `image-${Date.now()}`,
    WORKFLOW_BUNDLE_PATH: join(app, 'dist', 'workflow-bundle.js'),
    LEADER_ELECT: 'false',
    METRICS_PORT: '0',
  };
  const workerPort = await freePort();
  await readyThenStopped(start('worker/main.js', { ...common, HEALTH_PORT: String(workerPort) }), workerPort);
  const watcherPort = await freePort();
  await readyThenStopped(start('watcher/main.js', { ...common, HEALTH_PORT: String(watcherPort) }), watcherPort);
});

test('the CLI entry point runs from the build', async () => {
  const { stdout } = await runCommand(process.execPath, [join(app, 'dist', 'cli', 'main.js'), '--help']);
  expect(stdout).toContain('migrate <namespace>');
});
