import { readFileSync } from 'node:fs';

/** Soft and hard limit of a resource of this process, from /proc/self/limits ('unlimited' as -1). */
export function ownLimit(name: 'Max open files' | 'Max processes', limits = readFileSync('/proc/self/limits', 'utf8')): [number, number] {
  const line = limits.split('\n').find((l) => l.startsWith(name));
  if (!line) throw new Error(`/proc/self/limits has no "${name}"`);
  const [soft, hard] = line.slice(name.length).trim().split(/\s+/).map((v) => (v === 'unlimited' ? -1 : Number(v)));
  return [soft, hard];
}

/**
 * `--ulimit` arguments for `podman run` as root. Podman asks the runtime to raise a container's
 * open-files and processes limits to its own maxima (1048576, and kernel.pid_max for processes);
 * where root lacks CAP_SYS_RESOURCE (a sandboxed VM) setrlimit then fails with EPERM and no
 * container starts. This process's own limits are always allowed.
 */
export function ulimitArgs(pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'))): string[] {
  const [fileSoft, fileHard] = ownLimit('Max open files');
  const cap = (n: number) => (n < 0 ? pidMax : Math.min(n, pidMax));
  const [procSoft, procHard] = ownLimit('Max processes');
  return ['--ulimit', `nofile=${fileSoft}:${fileHard}`, '--ulimit', `nproc=${cap(procSoft)}:${cap(procHard)}`];
}
