import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_BUNDLE } from '../../../worker/bundle';

const HISTORIES = join(__dirname, '..', '..', 'replay', 'histories');

/**
 * Histories recorded from real runs of the integration tests (`npm run record-histories`: each test
 * that produces a shape saves it where the shape is complete) must replay against the current
 * workflow code: a change that would break running workflows fails here (docs/architecture.md,
 * "Versioning", says what to do then).
 */
describe('recorded histories replay against the current workflows', () => {
  const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.history'));

  test('there are recorded histories', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  test('no stack trace in them names a folder of the machine that recorded them (paths are relative to the repository)', () => {
    const machinePaths = files.flatMap((file) => {
      const traces: string[] = [];
      const visit = (value: unknown): void => {
        if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
        for (const [key, field] of Object.entries(value)) {
          if (key === 'stackTrace' && typeof field === 'string') traces.push(...(field.match(/\(\/[^)]*\)/g) ?? []));
          else visit(field);
        }
      };
      visit(temporal.api.history.v1.History.decode(readFileSync(join(HISTORIES, file))));
      return traces.map((trace) => `${file}: ${trace}`);
    });
    expect(machinePaths).toEqual([]);
  });

  test.each(files)('%s', async (file) => {
    const history = temporal.api.history.v1.History.decode(readFileSync(join(HISTORIES, file)));
    await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE } }, history, `replay-${file}`);
  });
});
