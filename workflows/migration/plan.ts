import type { MigrationStrategy, SnapshotWorkload, WorkloadName } from '../../model/migration';

export interface Wave<W extends WorkloadName = SnapshotWorkload> {
  /** 1-based. */
  index: number;
  workloads: W[];
}

export const DEFAULT_STRATEGY: MigrationStrategy = { kind: 'waves', batchSize: 5 };

/** Why a strategy cannot be applied to these workloads, or undefined when it can. */
export function strategyProblem(strategy: MigrationStrategy, workloads: WorkloadName[]): string | undefined {
  if (strategy.kind === 'all-at-once') return undefined;
  if (!Number.isInteger(strategy.batchSize) || strategy.batchSize < 1) return `batch size must be a whole number of at least 1, not ${strategy.batchSize}`;
  if (strategy.canary !== undefined && !workloads.some((w) => w.name === strategy.canary)) {
    return `canary ${strategy.canary} is not one of the agent workloads: ${workloads.map((w) => w.name).join(', ') || 'none'}`;
  }
  return undefined;
}

/** The waves, in order: everything at once, or the canary alone and then the rest in batches. */
export function planWaves<W extends WorkloadName>(strategy: MigrationStrategy, workloads: W[]): Wave<W>[] {
  if (strategy.kind === 'all-at-once' || workloads.length === 0) return workloads.length === 0 ? [] : [{ index: 1, workloads }];
  const canary = workloads.find((w) => w.name === strategy.canary) ?? workloads[0];
  const rest = workloads.filter((w) => w !== canary);
  const waves: Wave<W>[] = [{ index: 1, workloads: [canary] }];
  for (let i = 0; i < rest.length; i += strategy.batchSize) waves.push({ index: waves.length + 1, workloads: rest.slice(i, i + strategy.batchSize) });
  return waves;
}

/** The approval gates, one after each phase and wave; approving `cleanup` finalizes the migration. */
export function gatesOf(waveCount: number): string[] {
  return ['preflight', 'snapshot', 'prepare', ...Array.from({ length: waveCount }, (_, i) => `wave-${i + 1}`), 'cleanup'];
}
