import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostAptSources } from '../../../tools/image/apt-sources';
import { ownLimit } from '../../../tools/image/limits';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             unlimited            96365                processes
Max open files            20000                20000                files
`;

test('a limit of this process is read as soft and hard, unlimited as -1', () => {
  expect(ownLimit('Max open files', LIMITS)).toEqual([20000, 20000]);
  expect(ownLimit('Max processes', LIMITS)).toEqual([-1, 96365]);
  expect(() => ownLimit('Max processes', 'Limit Soft Hard\n')).toThrow('/proc/self/limits has no "Max processes"');
});

describe('the machine\'s apt sources for a suite', () => {
  let apt: string;
  beforeEach(() => {
    apt = mkdtempSync(join(tmpdir(), 'kwp-apt-'));
    mkdirSync(join(apt, 'sources.list.d'));
  });
  afterEach(() => rmSync(apt, { recursive: true, force: true }));

  test('one-line and deb822 files that list it are kept; commented, disabled, other suites and its siblings (bookworm-updates) are not', () => {
    writeFileSync(join(apt, 'sources.list'), '# deb http://mirror.invalid/debian bookworm main\ndeb http://mirror.invalid/debian trixie main\n');
    writeFileSync(join(apt, 'sources.list.d', 'a.list'), 'deb [signed-by=/k.gpg] http://mirror.invalid/debian bookworm main\n');
    writeFileSync(join(apt, 'sources.list.d', 'b.sources'), 'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\nComponents: main\n');
    writeFileSync(join(apt, 'sources.list.d', 'c.sources'), 'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm\nEnabled: no\n');
    writeFileSync(join(apt, 'sources.list.d', 'd.txt'), 'deb http://mirror.invalid/debian bookworm main\n');
    writeFileSync(join(apt, 'sources.list.d', 'e.sources'), 'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm-updates\n');
    writeFileSync(join(apt, 'sources.list.d', 'f.list'), 'deb http://mirror.invalid/debian bookworm-backports main\n');
    expect(hostAptSources('bookworm', apt).map((f) => f.slice(apt.length + 1))).toEqual(['sources.list.d/a.list', 'sources.list.d/b.sources']);
  });

  test('none listed gives none (mmdebstrap then uses its default mirror)', () => {
    expect(hostAptSources('bookworm', apt)).toEqual([]);
  });
});
