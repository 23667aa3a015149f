import { which } from '../stack/toolchain';
import { APT_PACKAGES } from './versions';
import { ImageError } from './errors';

/** The programs each step runs, and the Debian package that brings each. */
const PROGRAMS: Record<string, (typeof APT_PACKAGES)[number]> = { buildah: 'buildah', podman: 'podman', runc: 'runc', mmdebstrap: 'mmdebstrap' };

/**
 * Fails with one line naming what is missing: root (the tool uses root's container storage and
 * mmdebstrap's root mode) and the programs asked for.
 */
export function requirePrograms(...programs: (keyof typeof PROGRAMS)[]): void {
  if (process.getuid?.() !== 0) {
    throw new ImageError('The image tool runs as root (mmdebstrap --mode=root, root\'s container storage); run it with sudo or as root.');
  }
  const missing = programs.filter((program) => !which(program));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((program) => PROGRAMS[program]))];
    throw new ImageError(`Missing ${missing.join(', ')}: install with \`apt-get install --no-install-recommends ${packages.join(' ')}\` (all of: ${APT_PACKAGES.join(' ')}).`);
  }
}
