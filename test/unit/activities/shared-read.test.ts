import { sharedRead } from '../../../activities/kubernetes/shared-read';

beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] }));
afterEach(() => jest.useRealTimers());

test('concurrent and near-simultaneous callers share one read; after the period it is read anew', async () => {
  let reads = 0;
  const read = sharedRead(async () => ++reads, 1000);
  expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
  jest.advanceTimersByTime(999);
  expect(await read()).toBe(1);
  jest.advanceTimersByTime(1);
  expect(await read()).toBe(2);
  expect(reads).toBe(2);
});

test('a failed read is not remembered: the next caller reads anew', async () => {
  let reads = 0;
  const read = sharedRead(async () => {
    reads++;
    if (reads === 1) throw new Error('apiserver went away');
    return 'config';
  }, 1000);
  await expect(read()).rejects.toThrow('apiserver went away');
  expect(await read()).toBe('config');
  expect(reads).toBe(2);
});

test('a value `keep` refuses is not remembered (a missing GatewayClass is looked up every time)', async () => {
  let reads = 0;
  const read = sharedRead(async () => (++reads < 3 ? 'missing' : undefined), 10_000, (value) => value === undefined);
  expect(await read()).toBe('missing');
  expect(await read()).toBe('missing');
  expect(await read()).toBeUndefined();
  expect(await read()).toBeUndefined();
  expect(reads).toBe(3);
});
