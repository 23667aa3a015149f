import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { say } from '../stack/progress';
import { capture } from '../stack/command';
import { ImageError } from './errors';
import { IMAGE } from './versions';

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * The pinned npm package's tarball (it bundles its dependencies), fetched once with the
 * machine's npm client (`npm pack`) into `<cache>/image/` and checked against its pinned integrity.
 */
export async function ensureNpmPackage(cache: string): Promise<string> {
  const { version, integrity } = IMAGE.npm;
  const tarball = join(cache, `npm-${version}.tgz`);
  if (existsSync(tarball) && integrityOf(tarball) === integrity) return tarball;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, `npm-${version}.partial-`));
  try {
    say(`Fetching npm ${version} with npm pack`);
    const [packed] = JSON.parse(await capture('npm', ['pack', `npm@${version}`, '--json', '--pack-destination', tmp], { cwd: tmp })) as { filename: string }[];
    const file = join(tmp, packed.filename);
    const actual = integrityOf(file);
    if (actual !== integrity) throw new ImageError(`npm ${version} from the registry has integrity ${actual}, not the pinned ${integrity}.`);
    renameSync(file, tarball);
    return tarball;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
