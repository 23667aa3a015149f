import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

// CPU time per process tree, from /proc: to show where a benchmark's CPU went (Linux only).

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

interface ProcessStat {
  ppid: number;
  /** utime + stime, in seconds. */
  cpu: number;
}

function processStats(): Map<number, ProcessStat> {
  const stats = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) may hold spaces and parentheses: the fields after its closing one are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // the process ended while we looked
    }
  }
  return stats;
}

/** CPU seconds used so far by each named process and its live descendants (but not those named themselves). */
export function cpuSeconds(roots: Record<string, number>): Record<string, number> {
  const stats = processStats();
  const named = new Set(Object.values(roots));
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) if (!named.has(pid)) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const tree = (pid: number): number => (stats.get(pid)?.cpu ?? 0) + (children.get(pid) ?? []).reduce((sum, child) => sum + tree(child), 0);
  return Object.fromEntries(Object.entries(roots).map(([name, pid]) => [name, tree(pid)]));
}

/** One line: CPU seconds per process between two readings, largest first, with the total and the core count. */
export function cpuReport(before: Record<string, number>, after: Record<string, number>): string {
  const used = Object.entries(after)
    .map(([name, seconds]) => [name, seconds - (before[name] ?? 0)] as const)
    .sort((a, b) => b[1] - a[1]);
  const total = used.reduce((sum, [, seconds]) => sum + seconds, 0);
  return `${used.map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`).join(', ')}; total ${total.toFixed(1)} CPU-s on ${cpus().length} cores`;
}

/** CPU seconds per process used while `work` ran, and how long it took; processes started meanwhile count from their start. */
export async function cpuOver<T>(processes: () => Record<string, number>, work: () => Promise<T>): Promise<{ result: T; cpu: Record<string, number>; seconds: number }> {
  const names = processes();
  const before = cpuSeconds(names);
  const started = performance.now();
  const result = await work();
  const after = cpuSeconds({ ...names, ...processes() });
  return { result, cpu: Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)])), seconds: (performance.now() - started) / 1000 };
}
