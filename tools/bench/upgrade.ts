import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { loadKubeConfig } from '../../config/kube-config';
import { runningOnBuild, VERSIONED_TYPES } from '../../temporal/worker-deployment';
import { compile } from '../compiled';
import { prepareOperatorNamespace } from '../local/operator-namespace';
import { stackDir } from '../stack/paths';
import { up } from '../stack/stack';
import { Profile, stackEnvironment } from '../stack/state';
import { stackTemporalClient } from '../stack/temporal-client';
import { costOver } from './apiserver-requests';
import { Arrivals } from './arrivals';
import { agentCount, agentsOf, HeldNamespaces, progress, say, waitUntilQuiet } from './held-namespaces';
import { percentile, ProvisionerProcess, rssMiB, Runtime, startProvisionerProcess, stopProcess } from './processes';

/**
 * The upgrade benchmark: a new build of the worker made current on a stack holding many settled
 * namespaces, as a platform team upgrades (docs/upgrades.md).
 *   npm run bench -- --upgrade [N] [--runtime compiled|tsx] [--profile production]
 * 1. the watcher and build A's worker provision N namespaces (default 1,000; every tenth with three
 *    agents), and the control plane settles;
 * 2. single agents, one every 3 s for a minute: their latency, CPU and apiserver requests with no upgrade;
 * 3. build B's worker starts (the same code under another build id: what moving a namespace costs
 *    does not depend on the change) and makes itself current; its upgrade workflow moves every
 *    namespace workflow still on A onto B, paced (--maintenance-per-second, 8 by default), while
 *    single agents keep arriving, one every 3 s. Timed until the server's visibility shows no
 *    namespace workflow on A;
 * 4. then until nothing at all runs on A (the audit moves at the top of its next round), when A's
 *    worker is stopped, as `kwp builds` says it may be.
 * Times come from watch events; CPU per process from /proc; requests from the apiserver's counter
 * (all clients). Prints one table; asserts nothing.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BASELINE_MS = 60_000;
/** One new agent every 3 s (start to start), in both phases: arrivals that leave the machine room, not a flood. */
const ARRIVAL_MS = 3_000;

interface Options {
  held: number;
  runtime: Runtime;
  profile: Profile;
}

// One long function on purpose: its four numbered phases share the stack and the running processes,
// and read top to bottom in the order of the table it prints.
export async function upgrade(options: Options): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const state = await up(stackDir(), { profile: options.profile });
  const kc = loadKubeConfig(state.kubernetes.kubeconfig);
  const operatorNamespace = `bench-op-${run}`;
  const deployment = `bench-${run}`;
  await prepareOperatorNamespace(kc, state, operatorNamespace);
  const arrivals = new Arrivals(kc);
  await arrivals.start();
  const compiledDir = options.runtime === 'compiled' ? compile() : undefined;
  const env = { ...stackEnvironment(state), OPERATOR_NAMESPACE: operatorNamespace, TEMPORAL_TASK_QUEUE: `bench-${run}`, WORKER_DEPLOYMENT: deployment, LOG_LEVEL: 'warn' };

  const running: Record<string, ProvisionerProcess> = {};
  const start = async (label: string, name: ProvisionerProcess['name'], buildId?: string) => {
    running[label] = await startProvisionerProcess(name, options.runtime, buildId ? { ...env, WORKER_BUILD_ID: buildId } : env, compiledDir);
  };
  const processes = () => ({
    ...Object.fromEntries(Object.entries(state.components).map(([name, c]) => [name, c.pid])),
    ...Object.fromEntries(Object.entries(running).filter(([, p]) => p.child.exitCode === null).map(([label, p]) => [label, p.child.pid!])),
  });
  const controlPlane = () => (['kube-apiserver', 'kube-controller-manager', 'etcd'] as const).flatMap((name) => state.components[name]?.pid ?? []);
  const client = await stackTemporalClient(state.temporal, 'admin');
  const namespaces = new HeldNamespaces(kc, arrivals);
  let singles = 0;
  const single = async () => {
    const started = performance.now();
    const latency = await namespaces.single(`bench-${run}-s${singles++}`);
    await sleep(Math.max(0, ARRIVAL_MS - (performance.now() - started)));
    return latency;
  };

  // 1. Build A holds N settled namespaces.
  await start('worker A', 'worker', 'a');
  await start('watcher', 'watcher');
  say(`Build A's worker and the watcher ready (${options.runtime}, worker deployment ${deployment})`);
  const held = Array.from({ length: options.held }, (_, i) => ({ name: `bench-${run}-h${i}`, agents: agentsOf(i) }));
  await namespaces.provision(`held 0-${held.length}`, held);
  await waitUntilQuiet(controlPlane);

  // 2. Single agents with no upgrade, for comparison.
  const measured = <T>(work: () => Promise<T>) => costOver(kc, processes, work);
  const baseline = await measured(async () => {
    const latencies = [];
    for (const started = performance.now(); performance.now() - started < BASELINE_MS; ) latencies.push(await single());
    return latencies;
  });

  // 3. Build B made current: every namespace workflow moves while single agents arrive.
  const onA = async () => (await runningOnBuild(client, deployment, 'a')).namespaceWorkflow;
  const heldOnA = await onA();
  say(`${heldOnA} namespace workflows on build A; starting build B's worker ...`);
  const upgradeStarted = performance.now();
  const upgrade = await measured(async () => {
    await start('worker B', 'worker', 'b');
    const latencies = [];
    for (let left = heldOnA; left > 0; left = await onA()) {
      progress(`upgrade: ${heldOnA - left}/${heldOnA} namespace workflows moved to B after ${((performance.now() - upgradeStarted) / 1000).toFixed(0)} s`);
      if (performance.now() - upgradeStarted > 1_800_000) throw new Error('namespaces still on build A after 30 minutes');
      latencies.push(await single());
    }
    say('');
    return latencies;
  });
  const rss = Object.fromEntries(['worker A', 'worker B'].map((label) => [label, rssMiB(running[label].child.pid!)]));

  // 4. A drained, then stopped.
  let onAOpen: Record<(typeof VERSIONED_TYPES)[number], number>;
  for (;; await sleep(2000)) {
    onAOpen = await runningOnBuild(client, deployment, 'a');
    const open = Object.entries(onAOpen).filter(([, n]) => n > 0);
    progress(`draining build A: ${open.map(([type, n]) => `${n} ${type}`).join(', ') || 'nothing'} open after ${((performance.now() - upgradeStarted) / 1000).toFixed(0)} s`);
    if (open.length === 0 || performance.now() - upgradeStarted > 1_800_000) break;
  }
  say('');
  const drainedSeconds = (performance.now() - upgradeStarted) / 1000;
  const drained = Object.values(onAOpen).every((n) => n === 0);
  for (const p of Object.values(running)) await stopProcess(p);
  arrivals.stop();
  await client.connection.close();

  // The table.
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const latency = (list: { waypoint: number; secret: number }[], key: 'waypoint' | 'secret') => `${ms(percentile(list.map((x) => x[key]), 50))} / ${ms(percentile(list.map((x) => x[key]), 99))}`;
  const perMinute = (r: { cpu: Record<string, number>; seconds: number }) =>
    Object.entries(r.cpu).sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 0.05).map(([n, v]) => `${n} ${((v / r.seconds) * 60).toFixed(1)}`).join(', ');
  const requestRate = (r: { requests: number; seconds: number }) => `${(r.requests / r.seconds).toFixed(1)} a second (${r.requests} in ${r.seconds.toFixed(0)} s)`;
  const upgradeSeconds = upgrade.seconds;
  const rows: [string, string, string][] = [
    ['namespace workflows on build A when B started', `${heldOnA}`, ''],
    ['all of them moved to B (visibility shows none on A)', `${upgradeSeconds.toFixed(1)} s: ${(heldOnA / upgradeSeconds).toFixed(1)} a second`, 'bounded; paced by --maintenance-per-second (8)'],
    ['nothing left on A (the audit moved too); A stopped', drained ? `${drainedSeconds.toFixed(1)} s after B started` : `not within 30 minutes: ${JSON.stringify(onAOpen)}`, ''],
    [`one new agent every ${ARRIVAL_MS / 1000} s, no upgrade (${baseline.result.length}): labels + Gateway p50 / p99`, latency(baseline.result, 'waypoint'), ''],
    [`one new agent during the upgrade (${upgrade.result.length}): labels + Gateway p50 / p99`, latency(upgrade.result, 'waypoint'), 'as with no upgrade'],
    [`one new agent, no upgrade: Secret p50 / p99`, latency(baseline.result, 'secret'), ''],
    [`one new agent during the upgrade: Secret p50 / p99`, latency(upgrade.result, 'secret'), 'as with no upgrade'],
    ['CPU-s per minute, no upgrade (the new agents only)', perMinute(baseline), ''],
    ['CPU-s per minute during the upgrade (and the new agents)', perMinute(upgrade), ''],
    ['apiserver requests (all clients): no upgrade / during it', `${requestRate(baseline)} / ${requestRate(upgrade)}`, ''],
    ['worker A / worker B RSS at the end of the upgrade (now, peak)', `${rss['worker A'].now.toFixed(0)}, ${rss['worker A'].peak.toFixed(0)} / ${rss['worker B'].now.toFixed(0)}, ${rss['worker B'].peak.toFixed(0)} MiB`, ''],
  ];
  const HEADER = ['figure', 'now', 'target'];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), HEADER[c].length));
  const line = (r: string[]) => `| ${r.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  console.log(`Upgrade benchmark, ${new Date().toISOString()}, ${options.held} namespaces held (${agentCount(held)} agents), ${options.profile} profile, ${options.runtime} workers, ${cpus().length} cores`);
  console.log(line(HEADER));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}
