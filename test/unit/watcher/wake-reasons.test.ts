import { outranks } from '../../../watcher/notifier';

test('a change outranks every reason; maintenance outranks a waypoint wake; nothing else replaces a queued reason', () => {
  expect(outranks('change', 'takeover')).toBe(true);
  expect(outranks('change', 'waypoint')).toBe(true);
  expect(outranks('takeover', 'waypoint')).toBe(true);
  expect(outranks('audit', 'waypoint')).toBe(true);
  expect(outranks('waypoint', 'takeover')).toBe(false);
  expect(outranks('waypoint', 'change')).toBe(false);
  expect(outranks('takeover', 'change')).toBe(false);
  expect(outranks('audit', 'takeover')).toBe(false);
  expect(outranks('waypoint', undefined)).toBe(true);
});
