import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadKubeConfig } from '../../config/kube-config';
import { StackError } from '../stack/errors';
import { REPO_ROOT, stackDir } from '../stack/paths';
import { freePort } from '../stack/ports';
import { say } from '../stack/progress';
import { down, status, up } from '../stack/stack';
import { profileArgument, stackEnvironment } from '../stack/state';
import { compile, compiledCommand } from '../compiled';
import { tsxCommand } from '../tsx';
import { ensureIstioFootprint } from './istio-footprint';
import { prepareOperatorNamespace } from './operator-namespace';

const OPERATOR_NAMESPACE = 'kagenti-system';

/**
 * `npm start`: the local mode. Starts the embedded stack (or reuses a running one), then the
 * worker and the watcher against it, and stops what it started on Ctrl-C or SIGTERM. They run as
 * the image runs them (compiled, with deploy/base's NODE_OPTIONS), so what is measured here is what
 * is deployed; `--tsx` runs the sources through tsx instead (quicker to start while editing, about
 * three times the memory). `npm start -- --profile production` runs them on the production
 * profile's servers.
 */
async function main(argv: string[]): Promise<number> {
  const compiledDir = argv.includes('--tsx') ? undefined : compile();
  const dir = stackDir();
  const before = status(dir);
  const stackWasRunning = Boolean(before.state) && before.components.every((c) => c.running);
  const state = await up(dir, { profile: profileArgument(argv) });
  const kc = loadKubeConfig(state.kubernetes.kubeconfig);
  await prepareOperatorNamespace(kc, state, OPERATOR_NAMESPACE);
  // The stack runs the real istiod, which programs waypoints; Istio's data plane cannot run here,
  // so a stand-in ztunnel DaemonSet satisfies a migration's preflight.
  await ensureIstioFootprint(kc);
  const env = { ...process.env, ...stackEnvironment(state), OPERATOR_NAMESPACE };
  const children: { name: string; child: ChildProcess }[] = [];
  for (const name of ['worker', 'watcher'] as const) {
    const compiled = compiledDir ? compiledCommand(name, compiledDir) : undefined;
    const [command, args] = compiled ? [compiled.command, compiled.args] : tsxCommand(join(REPO_ROOT, name, 'main.ts'));
    const child = spawn(command, args, {
      env: { ...env, ...compiled?.env, HEALTH_PORT: String(await freePort()), METRICS_PORT: String(await freePort()) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push({ name, child });
  }

  say('');
  say(`Temporal Web UI:  ${state.temporal.uiUrl}`);
  say(`Kubernetes:       export KUBECONFIG=${state.kubernetes.kubeconfig}`);
  say(`Keycloak:         ${state.keycloak.url}/admin (realm ${state.keycloak.realm}; admin password in ${join(dir, 'stack.json')})`);
  say(`Try it:          kubectl create namespace team1 && kubectl -n team1 create deployment weather-agent --image=example.invalid/agent`);
  say(`                  kubectl -n team1 patch deployment weather-agent -p '{"spec":{"template":{"metadata":{"labels":{"kagenti.io/type":"agent"}}}}}'`);
  say(`                  then open ${state.temporal.uiUrl}/namespaces/default/workflows/ns-provisioner%2Fteam1`);
  say('Press Ctrl-C to stop.');

  const exitCode = await new Promise<number>((resolve) => {
    // Ctrl-C, a stop from a supervisor, or the terminal closing: each leads to the same clean stop,
    // and a second signal while stopping does not cut it short.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => resolve(0));
    }
    for (const { name, child } of children) {
      child.once('exit', (code, signal) => {
        say(`${name} exited (${signal ?? `code ${code}`}); stopping`);
        resolve(1);
      });
    }
  });

  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  if (!stackWasRunning) await down(dir);
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof StackError ? `error: ${error.message}` : error);
    process.exit(1);
  },
);
