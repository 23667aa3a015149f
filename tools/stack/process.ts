import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user and group (root only): PostgreSQL refuses to run as root. */
  uid?: number;
  gid?: number;
  logFile: string;
}

/**
 * Starts a server as the leader of its own process group, detached from this process and
 * logging to its own file, so that it outlives `stack up` and `stopProcess` can end all of it.
 */
export function startProcess(spec: ProcessSpec): number {
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      uid: spec.uid,
      gid: spec.gid,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks the process group to stop with `signal`, then kills it if it is still there after `graceMs`. */
export async function stopProcess(pid: number, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pid)) return;
    await sleep(100);
  }
  await killProcess(pid);
}

/** SIGKILLs the process group at once: no shutdown, as in a crash. */
export async function killProcess(pid: number): Promise<void> {
  signalGroup(pid, 'SIGKILL');
  while (groupAlive(pid)) await sleep(50);
}

/** True while any process of the group led by `pid` exists (a leader may exit before its children). */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function tailOf(file: string, lines = 25): string {
  if (!existsSync(file)) return '(no log written)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
}
