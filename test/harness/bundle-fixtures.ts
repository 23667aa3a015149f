import { join } from 'node:path';
import { writeWorkflowBundle } from '../../worker/bundle';

export const FIXTURE_BUNDLE = join(__dirname, '..', '..', 'build', 'test-workflow-bundle.js');
/** The project's workflows with one changed in shape: the next build of the upgrade test. */
export const NEXT_BUILD_BUNDLE = join(__dirname, '..', '..', 'build', 'test-next-build-bundle.js');

if (require.main === module) {
  const fixtures = join(__dirname, '..', 'fixtures');
  Promise.all([
    writeWorkflowBundle(join(fixtures, 'workflows.ts'), FIXTURE_BUNDLE),
    writeWorkflowBundle(join(fixtures, 'next-build', 'index.ts'), NEXT_BUILD_BUNDLE),
  ]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
