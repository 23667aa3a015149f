import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where every provisioner process of a test run also writes its log lines (the in-process worker
 * and watcher, and the worker and watcher processes tests start), so the run-wide secret scan
 * (run-secret-scan.ts) reads all of them.
 */
export function runLogDir(): string {
  const dir = join(process.env.KWP_STACK_DIR ?? '.', 'test-run-logs');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Appends a chunk of log output to the run's log file named `name`. */
export function appendRunLog(name: string, chunk: string): void {
  appendFileSync(join(runLogDir(), `${name}.log`), chunk);
}

/** Every log file of the run, by name, with its text. */
export function readRunLogs(): { name: string; text: string }[] {
  const dir = runLogDir();
  return readdirSync(dir).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Starts the run with no log of an earlier run (a stack handed in by KWP_TEST_STACK_DIR keeps its folder). */
export function clearRunLogs(): void {
  rmSync(runLogDir(), { recursive: true, force: true });
}
