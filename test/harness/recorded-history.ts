import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HISTORIES_DIR = join(__dirname, '..', 'replay', 'histories');

/**
 * Saves the workflow's history as test/replay/histories/<name>.history (binary protobuf: the SDK's
 * JSON conversion fails on fields newer than it) when the run records histories
 * (`npm run record-histories`); otherwise does nothing. The tests that produce each history shape
 * call it where the shape is complete, so every recorded history can be made again by one command.
 */
export async function recordHistoryWhenAsked(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.KWP_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  writeFileSync(join(HISTORIES_DIR, `${name}.history`), temporal.api.history.v1.History.encode(history).finish());
}
