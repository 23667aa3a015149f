import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheDir } from '../stack/paths';
import { Progress, say } from '../stack/progress';
import { capture, commandFailed, runWithProgress } from '../stack/command';
import { imageFacts, megabytes } from './image-facts';
import { ensureNpmPackage } from './npm-package';
import { projectNode } from './node-runtime';
import { ensureRootfs } from './rootfs';
import { IMAGE } from './versions';

/** node:24-slim's entry point: arguments that are not a command run with node. */
const ENTRYPOINT_SCRIPT = `#!/bin/sh
set -e
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
`;

/** Laid out like node:24-slim: Debian, then Node and npm in /usr/local, the `node` user, `node` by default. */
function containerfile(nodeVersion: string, rootfs: string): string {
  return `FROM scratch
ADD ${rootfs} /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV NODE_VERSION=${nodeVersion}
COPY local/ /usr/local/
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
`;
}

/** Hard-links a big file into the build context when it can, else copies it. */
function place(source: string, target: string): void {
  try {
    linkSync(source, target);
  } catch {
    copyFileSync(source, target);
  }
}

export interface BaseResult {
  built: boolean;
  seconds: number;
  key: string;
}

/**
 * The local stand-in for node:24-slim, tagged under the name the Dockerfile's FROM uses. Rebuilt
 * only when what it is made of changes (the Debian rootfs, the Node binary, npm, this recipe):
 * their hash is a label of the image.
 */
export async function ensureBaseImage(): Promise<BaseResult> {
  const started = Date.now();
  const cache = join(cacheDir(), 'image');
  const [rootfs, node, npm] = [await ensureRootfs(cache), await projectNode(), await ensureNpmPackage(cache)];
  const recipe = containerfile(node.version, basename(rootfs));
  const key = createHash('sha256')
    .update(JSON.stringify({ rootfs: basename(rootfs), node: node.sha256, npm: IMAGE.npm, recipe, entrypoint: ENTRYPOINT_SCRIPT, uid: IMAGE.nodeUid }))
    .digest('hex')
    .slice(0, 16);
  const existing = await imageFacts(IMAGE.base);
  if (existing?.labels[IMAGE.baseKeyLabel] === key) return { built: false, seconds: (Date.now() - started) / 1000, key };

  const context = join(cache, `base-context-${key}`);
  rmSync(context, { recursive: true, force: true });
  const local = join(context, 'local');
  mkdirSync(join(local, 'bin'), { recursive: true });
  mkdirSync(join(local, 'lib', 'node_modules', 'npm'), { recursive: true });
  try {
    place(rootfs, join(context, basename(rootfs)));
    place(node.binary, join(local, 'bin', 'node'));
    await capture('tar', ['-xzf', npm, '-C', join(local, 'lib', 'node_modules', 'npm'), '--strip-components=1', '--no-same-owner']);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin', 'npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin', 'npx'));
    symlinkSync('node', join(local, 'bin', 'nodejs'));
    writeFileSync(join(local, 'bin', 'docker-entrypoint.sh'), ENTRYPOINT_SCRIPT, { mode: 0o755 });
    writeFileSync(join(context, 'Containerfile'), recipe);

    say(`Building the base ${IMAGE.base} (Debian ${IMAGE.debianSuite}, Node ${node.version}, npm ${IMAGE.npm.version})`);
    const progress = new Progress('base image');
    const result = await runWithProgress(
      'buildah',
      ['build', '--pull=never', '--isolation', 'chroot', '--label', `${IMAGE.baseKeyLabel}=${key}`, '--tag', IMAGE.base, '--file', join(context, 'Containerfile'), context],
      progress,
    );
    if (result.code !== 0) throw commandFailed(`buildah build of ${IMAGE.base}`, result);
    const facts = await imageFacts(IMAGE.base);
    progress.done(`${IMAGE.base}: ${megabytes(facts?.size ?? 0)}, ${facts?.layers} layers`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  // The base it replaces is left untagged: remove it unless an image still builds on it.
  if (existing) await capture('podman', ['image', 'rm', existing.id]).catch(() => undefined);
  return { built: true, seconds: (Date.now() - started) / 1000, key };
}
