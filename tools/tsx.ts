import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const TSX_LOADER = pathToFileURL(join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/**
 * Command and arguments that run a TypeScript file in one Node process (the one running this
 * code's Node), with tsx loaded as a hook: signals and memory figures then concern that process alone.
 */
export function tsxCommand(script: string, args: string[] = []): [string, string[]] {
  return [process.execPath, ['--import', TSX_LOADER, script, ...args]];
}
