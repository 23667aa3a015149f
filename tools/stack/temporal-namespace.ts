import { msToTs } from '@temporalio/common/lib/time';
import { grpcCode } from '../../config/temporal-connection';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { StackError } from './errors';
import { INDEXED_VALUE_TYPE } from './search-attribute-types';
import type { StackState } from './state';
import { stackTemporalClient } from './temporal-client';
import { waitUntil } from './wait';

const isAlreadyExists = (error: unknown) => grpcCode(error) === 6;

/**
 * What the CLI's dev server did with its flags and a real server does not: registers the namespace
 * (retention one day) and this project's search attributes on it, each only if missing. With SQL
 * visibility a search attribute is per namespace, so the namespace comes first. Returns once the
 * server lists them all. As the stack's tooling (role admin), once Keycloak holds its client.
 */
export async function registerTemporalNamespace(temporal: StackState['temporal']): Promise<void> {
  const { namespace } = temporal;
  const client = await connected(temporal);
  const { connection } = client;
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    // A new namespace reaches the frontend's namespace cache within its refresh interval.
    const described = await waitUntil(async () => Boolean(await connection.workflowService.describeNamespace({ namespace })), { timeoutMs: 60_000, intervalMs: 500 });
    if (described !== 'ready') throw new StackError(`Temporal did not describe the namespace ${namespace} within 60 s of registering it`);
    const listed = async () => (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    const present = await listed();
    const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in present));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]])),
      });
    }
    const all = await waitUntil(async () => {
      const now = await listed();
      return SEARCH_ATTRIBUTES.every((key) => key.name in now);
    }, { timeoutMs: 60_000, intervalMs: 500 });
    if (all !== 'ready') throw new StackError(`Temporal did not list the search attributes ${SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')} within 60 s`);
  } finally {
    await connection.close();
  }
}

/**
 * The tooling's client, once the server takes its token: a key Keycloak made after the server
 * last read the realm's keys is known only from its next read (JWKS_REFRESH).
 */
async function connected(temporal: StackState['temporal']): Promise<Awaited<ReturnType<typeof stackTemporalClient>>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await stackTemporalClient(temporal, 'admin');
    } catch (error) {
      if (Date.now() > deadline) throw new StackError(`Temporal did not take the stack tooling's token within 60 s: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
