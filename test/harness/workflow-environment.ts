import { existsSync } from 'node:fs';
import { IllegalStateError, SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { INDEXED_VALUE_TYPE } from '../../tools/stack/search-attribute-types';
import { testServerLauncher } from '../../tools/stack/test-server';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/**
 * Registers search attributes on a running environment's server, as the stack does for its server.
 * Temporal's test server knows only its predefined Custom*Field attributes: starting or upserting with
 * any other fails with "search attribute <name> is not defined" (an upsert fails the workflow task,
 * which is retried for ever, so the workflow hangs).
 */
export async function registerSearchAttributes(
  env: TestWorkflowEnvironment,
  keys: readonly { name: string; type: SearchAttributeType }[],
): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(keys.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]])),
  });
}

/** Workers log each state change at INFO; keep warnings and errors (failed workflow tasks among them). */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch (error) {
    // This test file already made or installed the runtime: keep that one.
    if (!(error instanceof IllegalStateError)) throw error;
  }
}

/**
 * Starts Temporal's time-skipping test server (a JVM, about 0.3 s and 90 MB) and connects to it:
 * timers are skipped whenever the test awaits a workflow result, and `env.sleep()` skips time on demand.
 * The server is the one `npm run setup` fetched from Maven Central (tools/stack/test-server.ts); this
 * project's search attributes are registered. Call `env.teardown()` when done (it kills the server).
 * One environment serves one test at a time: skipped time is global to it.
 */
export async function startWorkflowEnvironment(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const launcher = testServerLauncher();
  if (!existsSync(launcher)) {
    throw new Error(`Temporal's time-skipping test server is not set up (no ${launcher}): run 'npm run setup' first.`);
  }
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: launcher } },
  });
  try {
    await registerSearchAttributes(env, SEARCH_ATTRIBUTES);
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}
