import { approvalTimeoutMs } from '../../../workflows/migration/steps';
import { gatesOf, planWaves, strategyProblem } from '../../../workflows/migration/plan';

const workloads = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ kind: 'Deployment' as const, name }));
const names = (waves: ReturnType<typeof planWaves>) => waves.map((w) => [w.index, w.workloads.map((x) => x.name)]);

describe('planWaves', () => {
  test('all at once is one wave', () => {
    expect(names(planWaves({ kind: 'all-at-once' }, workloads))).toEqual([[1, ['a', 'b', 'c', 'd', 'e']]]);
  });
  test('waves: the first workload as canary, then batches of the given size', () => {
    expect(names(planWaves({ kind: 'waves', batchSize: 2 }, workloads))).toEqual([[1, ['a']], [2, ['b', 'c']], [3, ['d', 'e']]]);
    expect(names(planWaves({ kind: 'waves', batchSize: 3 }, workloads))).toEqual([[1, ['a']], [2, ['b', 'c', 'd']], [3, ['e']]]);
  });
  test('a named canary goes first and is not repeated', () => {
    expect(names(planWaves({ kind: 'waves', batchSize: 10, canary: 'c' }, workloads))).toEqual([[1, ['c']], [2, ['a', 'b', 'd', 'e']]]);
  });
  test('one workload is one wave; none is no wave', () => {
    expect(names(planWaves({ kind: 'waves', batchSize: 5 }, workloads.slice(0, 1)))).toEqual([[1, ['a']]]);
    expect(planWaves({ kind: 'waves', batchSize: 5 }, [])).toEqual([]);
  });
});

test('strategyProblem names a bad batch size and an unknown canary', () => {
  expect(strategyProblem({ kind: 'waves', batchSize: 2 }, workloads)).toBeUndefined();
  expect(strategyProblem({ kind: 'waves', batchSize: 0 }, workloads)).toBe('batch size must be a whole number of at least 1, not 0');
  expect(strategyProblem({ kind: 'waves', batchSize: 1.5 }, workloads)).toBe('batch size must be a whole number of at least 1, not 1.5');
  expect(strategyProblem({ kind: 'waves', batchSize: 1, canary: 'z' }, workloads)).toBe('canary z is not one of the agent workloads: a, b, c, d, e');
});

test('gatesOf: one gate after each phase and each wave', () => {
  expect(gatesOf(2)).toEqual(['preflight', 'snapshot', 'prepare', 'wave-1', 'wave-2', 'cleanup']);
  expect(gatesOf(0)).toEqual(['preflight', 'snapshot', 'prepare', 'cleanup']);
});

test('approvalTimeoutMs accepts whole seconds, minutes, hours and days only', () => {
  expect(approvalTimeoutMs('90s')).toBe(90_000);
  expect(approvalTimeoutMs('15m')).toBe(900_000);
  expect(approvalTimeoutMs(' 4h ')).toBe(14_400_000);
  expect(approvalTimeoutMs('2d')).toBe(172_800_000);
  for (const bad of ['', '4', '0s', '1.5h', '4 hours', '-1m', 'soon']) expect(approvalTimeoutMs(bad)).toBeUndefined();
});
