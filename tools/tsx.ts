import { join } from 'node:path';

const TSX_CLI = join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** Command and arguments that run a TypeScript file with tsx on the Node running this process. */
export function tsxCommand(script: string, args: string[] = []): [string, string[]] {
  return [process.execPath, [TSX_CLI, script, ...args]];
}
