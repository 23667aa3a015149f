import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Arrivals } from './arrivals';
import { cpuSeconds } from './cpu';

// What the benchmarks that need a stack holding many namespaces share: making agent namespaces 16 at
// a time and waiting until each agent has its Secret, and waiting until the control plane is quiet.

const CONCURRENCY = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const say = (line: string) => process.stderr.write(`${line}\n`);
export const progress = (line: string) => process.stderr.write(`  ${line}\r`);

/** A namespace to make, with how many agent Deployments it runs. */
export interface AgentNamespace {
  name: string;
  agents: number;
}

/** Every tenth held namespace runs three agents, the others one. */
export const agentsOf = (i: number) => (i % 10 === 9 ? 3 : 1);

export const agentCount = (list: AgentNamespace[]) => list.reduce((sum, n) => sum + n.agents, 0);

export class HeldNamespaces {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;

  constructor(kc: KubeConfig, private readonly arrivals: Arrivals) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  private async create(namespace: AgentNamespace): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name: namespace.name } } });
    for (let a = 0; a < namespace.agents; a++) {
      const name = a === 0 ? 'agent' : `agent-${a}`;
      await this.apps.createNamespacedDeployment({
        namespace: namespace.name,
        body: {
          metadata: { name },
          spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, 'kagenti.io/type': 'agent' } }, spec: { containers: [{ name: 'agent', image: 'example.invalid/agent:1' }] } } },
        },
      });
    }
  }

  /** Creates the namespaces 16 at a time, waits until every agent has its Secret, and returns when each was created. */
  async provision(label: string, namespaces: AgentNamespace[]): Promise<Map<string, number>> {
    const createdAt = new Map<string, number>();
    const queue = [...namespaces];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          createdAt.set(next.name, performance.now());
          await this.create(next);
        }
      }),
    );
    for (const started = performance.now(); ; await sleep(500)) {
      const done = namespaces.filter((n) => this.arrivals.secretsAt(n.name, n.agents) !== undefined).length;
      progress(`${label}: ${done}/${namespaces.length} namespaces with every Secret after ${((performance.now() - started) / 1000).toFixed(0)} s`);
      if (done === namespaces.length) break;
      if (performance.now() - started > 1_800_000) throw new Error(`${label}: not provisioned after 30 minutes`);
    }
    say('');
    return createdAt;
  }

  /** One new agent namespace, alone: how long its labels and Gateway, and its Secret, took (ms). */
  async single(name: string): Promise<{ waypoint: number; secret: number }> {
    const created = await this.provision(name, [{ name, agents: 1 }]);
    return { waypoint: this.arrivals.waypointAt(name)! - created.get(name)!, secret: this.arrivals.secretsAt(name)! - created.get(name)! };
  }
}

/**
 * Waits until the control plane is quiet: the credentials annotation rolls every agent workload once,
 * and the controllers take a while to finish those rollouts after the last Secret. Idle figures are
 * taken after that, not over the tail of the fill.
 */
export async function waitUntilQuiet(pids: () => number[]): Promise<void> {
  const started = performance.now();
  for (;;) {
    const named = Object.fromEntries(pids().map((pid) => [String(pid), pid]));
    const before = cpuSeconds(named);
    await sleep(10_000);
    const after = cpuSeconds(named);
    const used = Object.keys(after).reduce((sum, k) => sum + after[k] - before[k], 0);
    progress(`waiting for the control plane to be quiet: ${used.toFixed(1)} CPU-s in the last 10 s, ${((performance.now() - started) / 1000).toFixed(0)} s so far`);
    if (used < 0.5 || performance.now() - started > 600_000) break;
  }
  say('');
}
