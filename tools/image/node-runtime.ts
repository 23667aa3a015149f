import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../stack/paths';
import { ImageError } from './errors';

export interface NodeRuntime {
  version: string;
  /** The `node` executable of the platform package `node-linux-<arch>`. */
  binary: string;
  /** sha256 of the executable, part of the base image's cache key. */
  sha256: string;
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .once('error', reject)
      .once('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * The Node the project already takes from the npm registry: the devDependency `node` (exact
 * version in package.json) installs the platform package holding the binary, under node_modules.
 */
export async function projectNode(repo = REPO_ROOT): Promise<NodeRuntime> {
  const wanted = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies?.node;
  if (!wanted || !/^\d+\.\d+\.\d+$/.test(wanted)) throw new ImageError('package.json has no exact devDependency `node`: the base image takes its Node from there.');
  const platform = `node-linux-${process.arch}`;
  const candidates = [join(repo, 'node_modules', 'node', 'node_modules', platform), join(repo, 'node_modules', platform)];
  const dir = candidates.find((c) => existsSync(join(c, 'bin', 'node')));
  if (!dir) throw new ImageError(`The Node ${wanted} binary (${platform}) is not under node_modules: run \`npm ci\` first (the \`node\` devDependency installs it).`);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  if (version !== wanted) throw new ImageError(`node_modules holds ${platform} ${version} but package.json asks for node ${wanted}: run \`npm ci\`.`);
  const binary = join(dir, 'bin', 'node');
  return { version, binary, sha256: await sha256Of(binary) };
}
