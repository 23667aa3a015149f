import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StackError } from './errors';
import { Progress } from './progress';
import { GoToolchain, unreachableRegistryLine } from './toolchain';

export interface GoBuild {
  /** Names the build in progress lines and errors, e.g. "kubernetes". */
  name: string;
  version: string;
  /** A module folder with go.mod and go.sum to build in (a wrapper module), or none for `go install pkg@version`. */
  moduleDir?: string;
  /** Package paths; with moduleDir they are built in it, without it they are `go install`ed at `version`. */
  packages: string[];
  ldflags?: string;
}

/** Output folder of a build: keyed by version and, for wrapper modules, by their go.mod, go.sum and Go sources (in every folder). */
function buildKey(build: GoBuild): string {
  if (!build.moduleDir) return `${build.name}-${build.version}`;
  const moduleDir = build.moduleDir;
  const hash = createHash('sha256');
  const files = readdirSync(moduleDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => basename(f) === 'go.mod' || basename(f) === 'go.sum' || f.endsWith('.go'))
    .sort();
  for (const file of files) hash.update(file).update(readFileSync(join(moduleDir, file)));
  return `${build.name}-${build.version}-${hash.digest('hex').slice(0, 12)}`;
}

/** Where a build's binaries are (or will be) in the cache. */
function goBuildDir(build: GoBuild, cache: string): string {
  return join(cache, 'bin', buildKey(build));
}

export function binaryName(pkg: string): string {
  return pkg.split('/').pop()!.replace(/@.*$/, '');
}

/**
 * Builds the binaries once into `<cache>/bin/<key>/` and returns that folder. The build goes to a
 * temporary folder that is renamed into place only when complete, so an interrupted build is redone.
 */
export async function ensureGoBinaries(build: GoBuild, go: GoToolchain, cache: string): Promise<{ dir: string; built: boolean; seconds: number }> {
  const dir = goBuildDir(build, cache);
  if (build.packages.every((pkg) => existsSync(join(dir, binaryName(pkg))))) return { dir, built: false, seconds: 0 };

  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const progress = new Progress(`${build.name} ${build.version}`);
  progress.update('starting the Go build');

  const ldflags = ['-s -w', build.ldflags].filter(Boolean).join(' ');
  const args = build.moduleDir
    ? ['build', '-v', '-trimpath', '-ldflags', ldflags, '-o', `${tmp}/`, ...build.packages]
    : ['install', '-v', '-trimpath', '-ldflags', ldflags, ...build.packages.map((pkg) => `${pkg}@v${build.version}`)];
  const env = { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', ...(build.moduleDir ? {} : { GOBIN: tmp }) };

  const output: string[] = [];
  let compiled = 0;
  let downloaded = 0;
  const code = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn(go.go, args, { cwd: build.moduleDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        output.push(line);
        if (output.length > 400) output.shift();
        if (line.startsWith('go: downloading')) downloaded++;
        else if (!line.startsWith('go:') && !line.startsWith('#')) compiled++;
        progress.update(`${downloaded} modules downloaded, ${compiled} packages compiled`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (status) => resolvePromise(status ?? 1));
  });

  if (code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const text = output.join('\n');
    const unreachable = unreachableRegistryLine(text);
    if (unreachable) {
      throw new StackError(
        `Could not build ${build.name} ${build.version}: the Go module proxy (GOPROXY=${process.env.GOPROXY ?? 'default'}) ` +
          `is unreachable: ${unreachable}`,
      );
    }
    throw new StackError(`Building ${build.name} ${build.version} failed (go exited ${code}):\n${output.slice(-20).join('\n')}`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  progress.done(`built ${build.packages.map(binaryName).join(', ')}`);
  return { dir, built: true, seconds: progress.elapsedSeconds() };
}
