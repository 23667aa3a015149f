import { paceOut } from '../../../watcher/pace-out';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const always = () => Promise.resolve(true);

test('items are told at the set rate, the first at once', async () => {
  const seen: string[] = [];
  paceOut(['a', 'b', 'c', 'd'], 4, always, (item) => seen.push(item));
  await jest.advanceTimersByTimeAsync(0);
  expect(seen).toEqual(['a']);
  await jest.advanceTimersByTimeAsync(249);
  expect(seen).toEqual(['a']);
  await jest.advanceTimersByTimeAsync(1);
  expect(seen).toEqual(['a', 'b']);
  await jest.advanceTimersByTimeAsync(500);
  expect(seen).toEqual(['a', 'b', 'c', 'd']);
  await jest.advanceTimersByTimeAsync(10_000);
  expect(seen).toEqual(['a', 'b', 'c', 'd']);
});

test('while there is no room nothing is told, and it goes on once there is', async () => {
  const seen: number[] = [];
  let room = false;
  const asked = jest.fn(() => Promise.resolve(room));
  paceOut([1, 2, 3], 10, asked, (item) => seen.push(item));
  await jest.advanceTimersByTimeAsync(5_000);
  expect(seen).toEqual([]);
  // Asked again once a second, not at the set rate.
  expect(asked.mock.calls.length).toBeGreaterThanOrEqual(5);
  expect(asked.mock.calls.length).toBeLessThanOrEqual(7);
  room = true;
  // Within the second it asks again, then at the set rate.
  await jest.advanceTimersByTimeAsync(1_000 + 2 * 100);
  expect(seen).toEqual([1, 2, 3]);
});

test('cancelling stops the notifications not made yet', async () => {
  const seen: number[] = [];
  const cancel = paceOut([1, 2, 3], 10, always, (item) => seen.push(item));
  await jest.advanceTimersByTimeAsync(150);
  cancel();
  await jest.advanceTimersByTimeAsync(1000);
  expect(seen).toEqual([1, 2]);
});

test('nothing to tell: no notification, no question, and cancelling is harmless', async () => {
  const notify = jest.fn();
  const asked = jest.fn(always);
  paceOut([], 5, asked, notify)();
  await jest.advanceTimersByTimeAsync(2000);
  expect(notify).not.toHaveBeenCalled();
  expect(asked).not.toHaveBeenCalled();
});
