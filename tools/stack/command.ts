import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { StackError } from './errors';
import type { Progress } from './progress';

const execFileAsync = promisify(execFile);

export interface CommandResult {
  code: number | null;
  /** The last lines it printed (stdout and stderr together). */
  output: string[];
}

/**
 * Runs a long command (mmdebstrap, buildah build, kc.sh build), showing its latest output line as
 * progress and keeping its last 200 lines for the error that follows a failure.
 */
export function runWithProgress(command: string, args: string[], progress: Progress, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    let partial = '';
    const keep = (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (line.trim()) progress.update(line.trim().slice(0, 100));
      }
      if (output.length > 200) output.splice(0, output.length - 200);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new StackError(`${command} is not installed`) : error));
    child.once('close', (code) => {
      if (partial) output.push(partial);
      resolve({ code, output });
    });
  });
}

/**
 * Runs a short command and returns its stdout; fails with its stderr. `input` goes to its standard
 * input (an SQL script, say), never onto its command line.
 */
export async function capture(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  try {
    const running = execFileAsync(command, args, { cwd: options.cwd, env: options.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (options.input !== undefined) running.child.stdin?.end(options.input);
    const { stdout } = await running;
    return stdout;
  } catch (error) {
    const e = error as { code?: number | string; stderr?: string };
    if (e.code === 'ENOENT') throw new StackError(`${command} is not installed`);
    throw new StackError(`${command} ${args.join(' ')} failed (exit ${e.code}): ${(e.stderr ?? '').trim().split('\n').slice(-10).join('\n')}`);
  }
}

/** The failure of a long command as an error naming what ran, with its last lines. */
export function commandFailed(what: string, result: CommandResult, lines = 30): StackError {
  return new StackError(`${what} failed (exit ${result.code}):\n${result.output.filter((l) => l.trim()).slice(-lines).join('\n')}`);
}
