import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { capture } from '../stack/command';
import { ulimitArgs } from './limits';
import { IMAGE } from './versions';

export interface ContainerSpec {
  name: string;
  image?: string;
  env?: Record<string, string>;
  /** Host files bind-mounted read-only: host path → path in the container. */
  mounts?: Record<string, string>;
  /** Replaces the image's CMD. */
  command?: string[];
}

/**
 * `podman run` arguments for one of the image's entry points on this machine: host network (the
 * stack listens on loopback), never a pull, and runc: Debian's crun 1.8 refuses a hybrid cgroup
 * layout whose cgroup v2 tree has a controller ("cgroups in hybrid mode not supported").
 */
export function podmanRunArgs(spec: ContainerSpec): string[] {
  return [
    'run',
    '--rm',
    '--name',
    spec.name,
    '--network',
    'host',
    '--pull=never',
    '--runtime',
    'runc',
    ...ulimitArgs(),
    ...Object.entries(spec.mounts ?? {}).flatMap(([host, inside]) => ['--volume', `${host}:${inside}:ro`]),
    ...Object.entries(spec.env ?? {}).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    spec.image ?? IMAGE.project,
    ...(spec.command ?? []),
  ];
}

export interface RunningContainer {
  child: ChildProcess;
  /** Everything it printed so far. */
  output: string[];
  /** Its exit code (podman run's, which is the container's). */
  exited: Promise<number | null>;
}

/** Starts a container attached, so that a signal to `podman run` reaches the entry point (sig-proxy). */
export function startContainer(spec: ContainerSpec): RunningContainer {
  const child = spawn('podman', podmanRunArgs(spec), { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

/** Runs a container to its end and returns what it printed and its exit code. */
export async function runContainer(spec: ContainerSpec): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('podman', podmanRunArgs(spec), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

/** Removes a container if it is still there (after a failed test, say). */
export async function removeContainer(name: string): Promise<void> {
  await capture('podman', ['rm', '--force', '--ignore', name]).catch(() => undefined);
}

/**
 * A private copy of a host file that the image's `node` user can read (a kubeconfig of mode
 * 0600, say), in a folder only root can enter; `remove` deletes both.
 */
export function shareWithNodeUser(file: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kwp-image-share-'));
  const path = join(dir, basename(file));
  copyFileSync(file, path);
  chownSync(path, IMAGE.nodeUid, IMAGE.nodeUid);
  chmodSync(path, 0o400);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
