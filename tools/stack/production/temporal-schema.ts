import { capture } from '../command';

/** The schemas embedded in Temporal's SQL tool, per database (`--schema-name`). */
export const TEMPORAL_SCHEMAS: Record<'temporal' | 'temporal_visibility', string> = {
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
 * Sets up Temporal's schemas with its SQL tool, as Temporal's own set-up does: the versioning
 * tables at version 0.0 (the tool leaves a database already past it alone), then every schema
 * update up to the tool's version (a no-op when already there). Safe to run on every start.
 */
export async function setUpTemporalSchema(tool: string, port: number, password: string): Promise<void> {
  for (const database of ['temporal', 'temporal_visibility'] as const) {
    await runSqlTool(tool, port, password, database, ['setup-schema', '-v', '0.0']);
    await runSqlTool(tool, port, password, database, ['update-schema', '--schema-name', TEMPORAL_SCHEMAS[database]]);
  }
}
