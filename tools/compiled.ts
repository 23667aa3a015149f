import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './stack/paths';

/** The processes the image runs. */
export type ProvisionerProcessName = 'worker' | 'watcher';

/** Compiles the sources as the image's build stage does (tsc, tsconfig.build.json), into build/dist. */
export function compile(): string {
  const outDir = join(REPO_ROOT, 'build', 'dist');
  process.stderr.write('Compiling the worker and the watcher (tsc) ...\n');
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc failed');
  return outDir;
}

/** NODE_OPTIONS as deploy/base gives the process's container. */
export function deployedNodeOptions(name: ProvisionerProcessName): string {
  const documents = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy', 'base', `${name}.yaml`), 'utf8')).map((d) => d.toJS());
  const deployment = documents.find((d) => d?.kind === 'Deployment');
  const env: { name: string; value?: string }[] = deployment?.spec?.template?.spec?.containers?.[0]?.env ?? [];
  return env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}

/**
 * The command, arguments and environment that run the worker or the watcher as the image does:
 * compiled (in `compiledDir`, from compile()), with deploy/base's NODE_OPTIONS and the workflows
 * prebundled by `npm run bundle`.
 */
export function compiledCommand(name: ProvisionerProcessName, compiledDir: string): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return {
    command: process.execPath,
    args: [join(compiledDir, name, 'main.js')],
    env: { WORKFLOW_BUNDLE_PATH: join(REPO_ROOT, 'build', 'workflow-bundle.js'), NODE_OPTIONS: deployedNodeOptions(name) },
  };
}
