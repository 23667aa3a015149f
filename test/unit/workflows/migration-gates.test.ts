import { Gates } from '../../../workflows/migration/gates';

const gates = () => new Gates(['preflight', 'snapshot', 'prepare', 'wave-1', 'cleanup']);

test('only the gate that awaits approval can be approved, once', () => {
  const g = gates();
  expect(g.refusal({}, undefined)).toBe('no gate awaits approval now: the migration is running its next step');
  expect(g.refusal({ gate: 'preflight' }, undefined)).toBe("gate 'preflight' has not been reached yet: the migration is running its next step");
  g.awaiting = 'preflight';
  expect(g.refusal({ gate: 'prepare' }, undefined)).toBe("out of order: 'preflight' awaits approval, not 'prepare'");
  expect(g.refusal({ gate: 'nope' }, undefined)).toBe("unknown gate 'nope'; the gates are preflight, snapshot, prepare, wave-1, cleanup");
  expect(g.refusal({}, undefined)).toBeUndefined();
  expect(g.refusal({ gate: 'preflight' }, undefined)).toBeUndefined();
  const record = g.approve({ by: 'ana', comment: 'ok' }, '2026-01-01T00:00:00Z', 'update');
  expect(record).toEqual({ gate: 'preflight', by: 'ana', comment: 'ok', at: '2026-01-01T00:00:00Z', via: 'update' });
  expect(g.isApproved('preflight')).toBe(true);
  expect(g.refusal({ gate: 'preflight' }, undefined)).toBe("gate 'preflight' was already approved");
});

test('nothing can be approved once the migration has finished', () => {
  const g = gates();
  g.awaiting = 'snapshot';
  expect(g.refusal({ gate: 'snapshot' }, 'rolled back')).toBe('the migration is rolled back: nothing to approve');
});
