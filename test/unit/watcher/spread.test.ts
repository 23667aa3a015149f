import { spreadOver } from '../../../watcher/spread';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('items are notified evenly over the window, the first at once', () => {
  const seen: string[] = [];
  spreadOver(['a', 'b', 'c', 'd'], 1000, (item) => seen.push(item));
  expect(seen).toEqual(['a']);
  jest.advanceTimersByTime(249);
  expect(seen).toEqual(['a']);
  jest.advanceTimersByTime(1);
  expect(seen).toEqual(['a', 'b']);
  jest.advanceTimersByTime(500);
  expect(seen).toEqual(['a', 'b', 'c', 'd']);
  jest.advanceTimersByTime(10_000);
  expect(seen).toEqual(['a', 'b', 'c', 'd']);
});

test('cancelling stops the notifications not made yet', () => {
  const seen: number[] = [];
  const cancel = spreadOver([1, 2, 3], 300, (item) => seen.push(item));
  jest.advanceTimersByTime(100);
  cancel();
  jest.advanceTimersByTime(1000);
  expect(seen).toEqual([1, 2]);
});

test('nothing to spread: no notification, and cancelling is harmless', () => {
  const notify = jest.fn();
  spreadOver([], 1000, notify)();
  jest.advanceTimersByTime(2000);
  expect(notify).not.toHaveBeenCalled();
});
