import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTES } from '../../../workflows/search-attributes';
import { StackError } from '../errors';
import { INDEXED_VALUE_TYPE } from '../search-attribute-types';
import { waitUntil } from '../wait';

const isAlreadyExists = (error: unknown) => (error as { code?: number }).code === 6;

/**
 * What the dev server does with its flags and a real server does not: registers the namespace
 * (retention one day) and this project's search attributes on it, each only if missing. With SQL
 * visibility a search attribute is per namespace, so the namespace comes first. Returns once the
 * server lists them all.
 */
export async function registerTemporalNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
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
