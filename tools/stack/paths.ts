import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (this file lives in tools/stack/). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Where built binaries and distributions are cached, outside the work tree and shared by clones. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KWP_CACHE_DIR) return resolve(env.KWP_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'kagenti-waypoint');
}

/** Where a running stack keeps its state, data and logs. */
export function stackDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KWP_STACK_DIR ?? join(REPO_ROOT, '.stack'));
}

/** Gateway API v1.2.1 and NetworkAttachmentDefinition CRDs, copied verbatim from upstream (see crds/README.md). */
export const CRD_DIR = join(__dirname, 'crds');
