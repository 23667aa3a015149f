import { join } from 'node:path';
import { cacheDir, REPO_ROOT } from '../stack/paths';
import { Progress, say } from '../stack/progress';
import { ensureBaseImage } from './base-image';
import { commandFailed, runWithProgress } from '../stack/command';
import { ImageFacts, imageFacts, megabytes } from './image-facts';
import { buildNpmConfig } from './npm-config';
import { requirePrograms } from './requirements';
import { IMAGE } from './versions';

export interface BuildOptions {
  /** The Dockerfile to build (default: the repository's, unchanged). */
  dockerfile?: string;
  tag?: string;
  /** Build every step again instead of reusing cached layers. */
  noCache?: boolean;
}

export interface BuildResult {
  facts: ImageFacts;
  baseBuilt: boolean;
  baseSeconds: number;
  imageSeconds: number;
}

/**
 * Builds the Dockerfile with buildah (root, chroot isolation, host network, layers cached in
 * local storage) on the local node:24-slim, which it makes first when missing or out of date.
 */
export async function buildProjectImage(options: BuildOptions = {}): Promise<BuildResult> {
  requirePrograms('buildah', 'podman', 'mmdebstrap');
  const dockerfile = options.dockerfile ?? join(REPO_ROOT, 'Dockerfile');
  const tag = options.tag ?? IMAGE.project;
  const base = await ensureBaseImage();

  const started = Date.now();
  const npm = await buildNpmConfig(join(cacheDir(), 'image', 'npm-build-config'));
  say(`Building ${tag} from ${dockerfile} (npm in the build: ${npm.summary})`);
  const progress = new Progress(tag);
  try {
    const result = await runWithProgress(
      'buildah',
      ['build', '--layers', ...(options.noCache ? ['--no-cache'] : []), '--pull=never', '--isolation', 'chroot', '--network', 'host', ...npm.volumeArgs, '--tag', tag, '--file', dockerfile, REPO_ROOT],
      progress,
    );
    if (result.code !== 0) throw commandFailed(`buildah build of ${dockerfile}`, result);
  } finally {
    npm.remove();
  }
  const facts = await imageFacts(tag);
  if (!facts) throw new Error(`buildah reported success but ${tag} is not in local storage`);
  progress.done(`${tag}: ${megabytes(facts.size)}, ${facts.layers} layers`);
  return { facts, baseBuilt: base.built, baseSeconds: base.seconds, imageSeconds: (Date.now() - started) / 1000 };
}
