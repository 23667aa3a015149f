import { KeycloakWorkSlots } from '../../../activities/keycloak/work-slots';

/** A unit of work that runs until released, recording when it started. */
function unit(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { work: () => (started.push(name), done), release: () => release() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('maintenance never takes the places kept for new work', async () => {
  const slots = new KeycloakWorkSlots(4);
  const started: string[] = [];
  const maintenance = Array.from({ length: 6 }, (_, i) => unit(started, `m${i}`));
  const running = maintenance.map((m) => slots.run(m.work, 4));
  await settle();
  expect(started).toEqual(['m0', 'm1', 'm2']);
  expect(slots.maintenanceWaiting).toBe(3);

  const newAgent = unit(started, 'new');
  const newRun = slots.run(newAgent.work, 2);
  await settle();
  expect(started).toContain('new');
  newAgent.release();
  maintenance.forEach((m) => m.release());
  await Promise.all([newRun, ...running]);
  expect(started).toHaveLength(7);
  expect(slots.maintenanceWaiting).toBe(0);
});

test('waiting new work goes before waiting maintenance when a place frees', async () => {
  const slots = new KeycloakWorkSlots(2);
  const started: string[] = [];
  const busy = [unit(started, 'new-a'), unit(started, 'new-b')];
  const running = busy.map((b) => slots.run(b.work, 2));
  const later = [unit(started, 'maintenance'), unit(started, 'new-c')];
  const waiting = [slots.run(later[0].work, 4), slots.run(later[1].work, 2)];
  await settle();
  expect(started).toEqual(['new-a', 'new-b']);
  busy[0].release();
  await settle();
  expect(started).toEqual(['new-a', 'new-b', 'new-c']);
  [busy[1], ...later].forEach((u) => u.release());
  await Promise.all([...running, ...waiting]);
});

test('a quarter of the places, at least one from two, is kept for new work', () => {
  expect([1, 2, 4, 8, 16].map(KeycloakWorkSlots.reservedFor)).toEqual([0, 1, 1, 2, 4]);
});
