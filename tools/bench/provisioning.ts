import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadKubeConfig } from '../../config/kube-config';
import { credentialsSecretName, waypointGatewayName } from '../../model/names';
import { prepareOperatorNamespace } from '../local/operator-namespace';
import { REPO_ROOT, stackDir } from '../stack/paths';
import { freePort } from '../stack/ports';
import { up } from '../stack/stack';
import { profileArgument, stackEnvironment } from '../stack/state';
import { tsxCommand } from '../tsx';
import { MANAGED_SELECTOR } from '../../model/labels';
import { cpuReport, cpuSeconds } from './cpu';
import { livedIn } from './lived-in';
import { upgrade } from './upgrade';
import { percentile, rssMiB, waitHealthy } from './processes';

/**
 * Provisioning latency and burst benchmark on the local stack, with the real worker and watcher
 * processes. Prints figures; asserts nothing.
 *   npm run bench -- [--sequential N] [--warmup N] [--burst N] [--waypoints-only] [--realm-default-scopes]
 *   npm run bench -- --lived-in [N] [--grow-to M] [--idle-seconds 300] [--baseline-seconds 120] [--runtime compiled|tsx] [--profile production]: see lived-in.ts
 *   npm run bench -- --upgrade [N] [--runtime compiled|tsx] [--profile production]: see upgrade.ts
 * (a) Deployment created → namespace labels and waypoint Gateway present
 * (b) Deployment created → credentials Secret present
 * The stack's real istiod programs the waypoints, as everywhere on the embedded stack.
 */
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const SEQUENTIAL = option('sequential', 30);
const BURST = option('burst', 200);
/** A first burst of this many namespaces, not measured: a long-running system has its JIT-compiled code paths warm (Keycloak's JVM above all). */
const WARMUP = option('warmup', 0);
/** --waypoints-only: client registration off, to separate the Kubernetes and Temporal share of the cost from Keycloak's. */
const WAYPOINTS_ONLY = args.includes('--waypoints-only');
/** --realm-default-scopes: KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT=true, the audience scopes also realm defaults, as the reference places them. */
const REALM_DEFAULT_SCOPES = args.includes('--realm-default-scopes');
const run = randomBytes(3).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One long function on purpose: a benchmark script whose phases (warm-up, sequential, burst) share
// one stack and one provisioner, read top to bottom in the order of what it prints.
async function main(): Promise<void> {
  const runtime = args.includes('--runtime') && args[args.indexOf('--runtime') + 1] === 'tsx' ? 'tsx' : 'compiled';
  if (args.includes('--upgrade')) {
    const held = option('upgrade', 1000);
    return upgrade({ held: Number.isInteger(held) ? held : 1000, runtime, profile: profileArgument(args) });
  }
  if (args.includes('--lived-in')) {
    const held = option('lived-in', 1000);
    return livedIn({ held: Number.isInteger(held) ? held : 1000, growTo: option('grow-to', 0), idleSeconds: option('idle-seconds', 300), baselineSeconds: option('baseline-seconds', 120), runtime, profile: profileArgument(args) });
  }
  const state = await up(stackDir());
  const kc = loadKubeConfig(state.kubernetes.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const operatorNamespace = `bench-op-${run}`;
  await prepareOperatorNamespace(kc, state, operatorNamespace, REALM_DEFAULT_SCOPES ? { KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT: 'true' } : {});

  const children: { name: string; child: ChildProcess }[] = [];
  const workerMetricsPort = await freePort();
  for (const name of ['worker', 'watcher']) {
    const port = await freePort();
    const [command, commandArgs] = tsxCommand(join(REPO_ROOT, name, 'main.ts'));
    const child = spawn(command, commandArgs, {
      env: { ...process.env, ...stackEnvironment(state), OPERATOR_NAMESPACE: operatorNamespace, TEMPORAL_TASK_QUEUE: `bench-${run}`, LOG_LEVEL: 'warn', HEALTH_PORT: String(port), METRICS_PORT: String(name === 'worker' ? workerMetricsPort : await freePort()), ENABLE_OPERATOR_CLIENT_REGISTRATION: String(!WAYPOINTS_ONLY) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push({ name, child });
    await waitHealthy(port, name);
  }
  process.stderr.write(`Worker and watcher ready; ${SEQUENTIAL} namespaces one at a time, then a burst of ${BURST}\n`);

  const createAgent = async (namespace: string) => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'agent' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent', 'kagenti.io/type': 'agent' } }, spec: { containers: [{ name: 'agent', image: 'example.invalid/agent:1' }] } },
        },
      },
    });
  };
  const labelsAndGateway = async (namespace: string) => {
    const ns = await core.readNamespace({ name: namespace });
    if (!ns.metadata?.labels?.['istio.io/use-waypoint']) return false;
    try {
      await custom.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', name: waypointGatewayName(namespace) });
      return true;
    } catch {
      return false;
    }
  };
  const secretPresent = async (namespace: string) => {
    try {
      await core.readNamespacedSecret({ namespace, name: credentialsSecretName(namespace, 'agent') });
      return true;
    } catch {
      return false;
    }
  };

  const toGateway: number[] = [];
  const toSecret: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const namespace = `bench-${run}-s${i}`;
    const t0 = performance.now();
    await createAgent(namespace);
    let gatewayAt: number | undefined;
    while (performance.now() - t0 < 60_000) {
      if (gatewayAt === undefined && (await labelsAndGateway(namespace))) gatewayAt = performance.now();
      if (gatewayAt !== undefined && (WAYPOINTS_ONLY || (await secretPresent(namespace)))) break;
      await sleep(10);
    }
    toGateway.push((gatewayAt ?? NaN) - t0);
    toSecret.push(performance.now() - t0);
    process.stderr.write(`  ${i + 1}/${SEQUENTIAL}: ${toGateway.at(-1)!.toFixed(0)} ms to labels+Gateway, ${toSecret.at(-1)!.toFixed(0)} ms to Secret\r`);
  }
  process.stderr.write('\n');

  const provisioned = Array.from({ length: SEQUENTIAL }, (_, i) => `bench-${run}-s${i}`);
  /** Creates `count` agent namespaces 20 at a time and waits for all of them to be provisioned. */
  const burst = async (name: string, count: number) => {
    const namespaces = Array.from({ length: count }, (_, i) => `bench-${run}-${name[0]}${i}`);
    provisioned.push(...namespaces);
    const start = performance.now();
    for (let i = 0; i < namespaces.length; i += 20) await Promise.all(namespaces.slice(i, i + 20).map(createAgent));
    const created = performance.now() - start;
    let done = 0;
    while (performance.now() - start < 600_000) {
      const withSecret = WAYPOINTS_ONLY
        ? new Set(((await custom.listCustomObjectForAllNamespaces({ group: 'gateway.networking.k8s.io', version: 'v1', resourcePlural: 'gateways' })) as { items: { metadata: { namespace: string } }[] }).items.map((g) => g.metadata.namespace))
        : new Set((await core.listSecretForAllNamespaces({ labelSelector: MANAGED_SELECTOR })).items.map((s) => s.metadata!.namespace!));
      done = namespaces.filter((ns) => withSecret.has(ns)).length;
      process.stderr.write(`  ${name}: ${done}/${count} namespaces with their Secret after ${((performance.now() - start) / 1000).toFixed(1)} s\r`);
      if (done === count) break;
      await sleep(250);
    }
    process.stderr.write('\n');
    return { done, created, seconds: (performance.now() - start) / 1000 };
  };
  if (WARMUP > 0) await burst('warm-up', WARMUP);
  const processes = { ...Object.fromEntries(Object.entries(state.components).map(([name, c]) => [name, c.pid])), ...Object.fromEntries(children.map(({ name, child }) => [name, child.pid!])), bench: process.pid };
  const cpuBefore = cpuSeconds(processes);
  const { done, created, seconds: burstSeconds } = await burst('burst', BURST);
  const burstCpu = cpuReport(cpuBefore, cpuSeconds(processes));

  const rss = Object.fromEntries(children.map(({ name, child }) => [name, rssMiB(child.pid!).peak]));
  for (const { child } of children) child.kill('SIGTERM');

  console.log(`Provisioning benchmark (${new Date().toISOString()}, ${SEQUENTIAL} sequential namespaces, ${WARMUP > 0 ? `warm-up burst of ${WARMUP}, ` : ''}burst of ${BURST}${WAYPOINTS_ONLY ? ', waypoints only: no client registration, burst counts Gateways' : ''}${REALM_DEFAULT_SCOPES ? ', audience scopes also realm defaults' : ''})`);
  if (SEQUENTIAL > 0) {
    console.log(`(a) Deployment → labels + Gateway: p50 ${percentile(toGateway, 50).toFixed(0)} ms, p99 ${percentile(toGateway, 99).toFixed(0)} ms (target p99 ≤ 1000 ms)`);
    console.log(`(b) Deployment → credentials Secret: p50 ${percentile(toSecret, 50).toFixed(0)} ms, p99 ${percentile(toSecret, 99).toFixed(0)} ms (target p99 ≤ 3000 ms)`);
  }
  console.log(`Burst: ${done}/${BURST} namespaces fully provisioned in ${burstSeconds.toFixed(1)} s (creating them took ${(created / 1000).toFixed(1)} s; target ≤ 30 s)`);
  console.log(`CPU during the burst: ${burstCpu}`);
  console.log(`Peak RSS: worker ${rss.worker.toFixed(0)} MiB, watcher ${rss.watcher.toFixed(0)} MiB`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
