import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const HISTORIES_DIR = join(__dirname, '..', 'replay', 'histories');
const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * Saves the workflow's history as test/replay/histories/<name>.history (binary protobuf: the SDK's
 * JSON conversion fails on fields newer than it) when the run records histories
 * (`npm run record-histories`); otherwise does nothing. The tests that produce each history shape
 * call it where the shape is complete, so every recorded history can be made again by one command.
 */
export async function recordHistoryWhenAsked(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.KWP_RECORD_HISTORIES !== '1') return;
  const history = withRepositoryPathsHidden(await handle.fetchHistory());
  writeFileSync(join(HISTORIES_DIR, `${name}.history`), temporal.api.history.v1.History.encode(history).finish());
}

/** The repository's folder on the machine that recorded a history, as its failures' stack traces show it. */
export const REPOSITORY_IN_STACK_TRACES = '<repository>';

/**
 * The history with every failure's stack trace naming files relative to the repository
 * (`<repository>/activities/...`), not where this machine keeps it: a recorded history is
 * committed, and replay reads no stack trace.
 */
export function withRepositoryPathsHidden<T extends object>(history: T, repository = REPO_ROOT): T {
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key === 'stackTrace' && typeof record[key] === 'string') record[key] = (record[key] as string).split(repository).join(REPOSITORY_IN_STACK_TRACES);
      else visit(record[key]);
    }
  };
  visit(history);
  return history;
}
