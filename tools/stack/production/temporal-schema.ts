import { capture } from '../command';
import type { Database } from './postgres';

/** The schemas embedded in Temporal's SQL tool, per database (`--schema-name`). */
const SCHEMA: Record<'temporal' | 'temporal_visibility', string> = {
  temporal: 'postgresql/v12/temporal',
  temporal_visibility: 'postgresql/v12/visibility',
};

async function runSqlTool(tool: string, port: number, password: string, database: string, args: string[]): Promise<void> {
  // The password through the tool's own variable, not on a command line.
  await capture(tool, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(port), '-u', 'temporal', '--db', database, ...args], {
    env: { ...process.env, SQL_PASSWORD: password },
  });
}

/**
 * Sets up Temporal's schemas with its SQL tool: the versioning tables where they are missing, then
 * every schema update up to the tool's version (a no-op when already there). The versioning set-up
 * runs only where no version is recorded: where one is, it would reset it.
 */
export async function setUpTemporalSchema(tool: string, port: number, password: string, hasSchemaVersion: (database: Database) => Promise<boolean>): Promise<void> {
  for (const database of ['temporal', 'temporal_visibility'] as const) {
    if (!(await hasSchemaVersion(database))) await runSqlTool(tool, port, password, database, ['setup-schema', '-v', '0.0']);
    await runSqlTool(tool, port, password, database, ['update-schema', '--schema-name', SCHEMA[database]]);
  }
}
