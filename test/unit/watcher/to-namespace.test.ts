import { isOptedInNamespace, namespaceOf } from '../../../watcher/to-namespace';

describe('mapping objects to their namespace', () => {
  test('a Namespace from a list (no kind) maps to itself; others to their namespace', () => {
    expect(namespaceOf({ metadata: { name: 'team1' } }, true)).toBe('team1');
    expect(namespaceOf({ kind: 'Pod', metadata: { name: 'p', namespace: 'team1' } }, false)).toBe('team1');
  });

  test('only kagenti.io/type=agent opts a namespace in', () => {
    expect(isOptedInNamespace({ metadata: { labels: { 'kagenti.io/type': 'agent' } } })).toBe(true);
    expect(isOptedInNamespace({ metadata: { labels: { 'kagenti.io/type': 'tool' } } })).toBe(false);
  });
});
