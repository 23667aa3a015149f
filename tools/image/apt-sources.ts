import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const APT_DIR = '/etc/apt';

/**
 * The machine's own apt sources for `suite` (the files of /etc/apt that list it and are enabled),
 * so the base's packages come from wherever this machine gets Debian's. Empty when none does:
 * mmdebstrap then uses its default mirror.
 */
export function hostAptSources(suite: string, aptDir = APT_DIR): string[] {
  const files = [join(aptDir, 'sources.list')];
  const dir = join(aptDir, 'sources.list.d');
  if (existsSync(dir)) files.push(...readdirSync(dir).filter((f) => f.endsWith('.list') || f.endsWith('.sources')).sort().map((f) => join(dir, f)));
  // The suite itself, not one of its siblings (bookworm, not bookworm-updates).
  const listsSuite = new RegExp(`^(deb\\s.*\\s${suite}(\\s|$)|Suites:(.*\\s)?${suite}(\\s|$))`, 'm');
  return files.filter((file) => {
    if (!existsSync(file)) return false;
    const text = readFileSync(file, 'utf8').split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n');
    return listsSuite.test(text) && !/^Enabled:\s*no\s*$/im.test(text);
  });
}
