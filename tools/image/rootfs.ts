import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Progress, say } from '../stack/progress';
import { hostAptSources } from './apt-sources';
import { commandFailed, runWithProgress } from '../stack/command';
import { ImageError } from './errors';
import { IMAGE } from './versions';

const MERGED_USR_HOOKS = '/usr/share/mmdebstrap/hooks/merged-usr';

/** debian:*-slim's exclusions: no manuals, documentation (but copyrights) or translations. */
const SLIM = ['/usr/share/doc/*', '/usr/share/groff/*', '/usr/share/info/*', '/usr/share/linda/*', '/usr/share/lintian/*', '/usr/share/locale/*', '/usr/share/man/*'];

/** mmdebstrap's arguments before the suite: a minbase system with merged /usr, slim, and the `node` user. */
export function mmdebstrapOptions(): string[] {
  const uid = IMAGE.nodeUid;
  return [
    '--variant=minbase',
    '--mode=root',
    '--format=tar',
    `--hook-dir=${MERGED_USR_HOOKS}`,
    ...SLIM.map((path) => `--dpkgopt=path-exclude=${path}`),
    '--dpkgopt=path-include=/usr/share/doc/*/copyright',
    `--customize-hook=chroot "$1" groupadd --gid ${uid} node`,
    `--customize-hook=chroot "$1" useradd --uid ${uid} --gid node --shell /bin/bash --create-home node`,
  ];
}

/**
 * A Debian root filesystem as a tarball, from Debian's packages with mmdebstrap, cached under
 * `<cache>/image/` by a hash of its options and the apt sources used (about 20 s cold, measured).
 */
export async function ensureRootfs(cache: string): Promise<string> {
  const suite = IMAGE.debianSuite;
  const sources = hostAptSources(suite);
  const options = mmdebstrapOptions();
  const key = createHash('sha256')
    .update(JSON.stringify({ suite, options, sources: sources.map((file) => readFileSync(file, 'utf8')) }))
    .digest('hex')
    .slice(0, 16);
  const tarball = join(cache, `rootfs-${suite}-${key}.tar`);
  if (existsSync(tarball)) return tarball;
  if (!existsSync(MERGED_USR_HOOKS)) throw new ImageError(`${MERGED_USR_HOOKS} is missing: install Debian's mmdebstrap (1.3 or later).`);

  mkdirSync(cache, { recursive: true });
  const partial = `${tarball}.partial`;
  rmSync(partial, { force: true });
  say(`Making a Debian ${suite} root filesystem with mmdebstrap (${sources.length ? `apt sources: ${sources.join(', ')}` : 'mmdebstrap\'s default mirror'})`);
  const progress = new Progress(`debian ${suite} rootfs`);
  const result = await runWithProgress('mmdebstrap', [...options, suite, partial, ...sources], progress);
  if (result.code !== 0 || !existsSync(partial)) {
    rmSync(partial, { force: true });
    throw commandFailed(`mmdebstrap ${suite}`, result);
  }
  renameSync(partial, tarball);
  progress.done(`made ${tarball}`);
  return tarball;
}
