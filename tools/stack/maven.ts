import { spawn } from 'node:child_process';
import type { Progress } from './progress';

/**
 * Runs Maven with the given Java, showing each artifact it downloads as progress; keeps the last
 * 400 lines of its output for the error message.
 */
export async function runMaven(mvn: string, args: string[], cwd: string, javaHome: string, progress: Progress): Promise<{ code: number; output: string[] }> {
  const output: string[] = [];
  const code = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn(mvn, args, { cwd, env: { ...process.env, JAVA_HOME: javaHome }, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        if (output.length > 400) output.shift();
        const transfer = /(Downloading|Downloaded) from \S+: \S+\/([^/\s]+)/.exec(line);
        if (transfer) progress.update(`${transfer[1].toLowerCase()} ${transfer[2]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (status) => resolvePromise(status ?? 1));
  });
  return { code, output };
}
