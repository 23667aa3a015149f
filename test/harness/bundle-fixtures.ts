import { join } from 'node:path';
import { writeWorkflowBundle } from '../../worker/bundle';

export const FIXTURE_BUNDLE = join(__dirname, '..', '..', 'build', 'test-workflow-bundle.js');

if (require.main === module) {
  writeWorkflowBundle(join(__dirname, '..', 'fixtures', 'workflows.ts'), FIXTURE_BUNDLE).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
