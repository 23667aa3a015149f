import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackDir } from './stack/paths';
import { readState } from './stack/state';

/**
 * Saves the history of a workflow from the running local stack as binary protobuf into
 * test/replay/histories/<name>.history, for the replay test. (The SDK's JSON conversion of
 * histories fails on fields newer than it, so the binary form is kept.)
 *   npm run record-history -- <workflow id> <name>
 */
async function main([workflowId, name]: string[]): Promise<void> {
  if (!workflowId || !name) throw new Error('usage: npm run record-history -- <workflow id> <name>');
  const state = readState(stackDir());
  if (!state) throw new Error(`No stack recorded in ${stackDir()}`);
  const connection = await Connection.connect({ address: state.temporal.address });
  try {
    const history = await new Client({ connection, namespace: state.temporal.namespace }).workflow.getHandle(workflowId).fetchHistory();
    const file = join(__dirname, '..', 'test', 'replay', 'histories', `${name}.history`);
    writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
    console.log(`Saved ${history.events?.length ?? 0} events of ${workflowId} to ${file}`);
  } finally {
    await connection.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
