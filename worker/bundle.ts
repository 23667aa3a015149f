import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..');
/** Where the prebundled workflows are written and read; the image sets WORKFLOW_BUNDLE_PATH. */
export const WORKFLOW_BUNDLE = process.env.WORKFLOW_BUNDLE_PATH ?? join(REPO, 'build', 'workflow-bundle.js');

/** Prebundles the workflows once, so that the worker and tests load them without webpack at start. */
export async function writeWorkflowBundle(workflowsPath: string, outFile: string): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  mkdirSync(join(outFile, '..'), { recursive: true });
  writeFileSync(outFile, code);
  process.stderr.write(`Bundled ${workflowsPath} into ${outFile} (${(code.length / 1024).toFixed(0)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

if (require.main === module) {
  // workflows/index.ts from the sources, workflows/index.js once compiled (the image's build stage).
  writeWorkflowBundle(require.resolve(join(REPO, 'workflows')), WORKFLOW_BUNDLE).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
