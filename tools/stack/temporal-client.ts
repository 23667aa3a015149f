import type { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createLogger } from '../../config/logger';
import { loadTemporalSettings, TemporalSettings } from '../../config/settings';
import { connectClient, connectWorker, TemporalAccess, temporalAccess } from '../../config/temporal-connection';
import type { StackState } from './state';

/** The name the stack's certificates carry besides 127.0.0.1 (Node warns when TLS is asked to check an IP address by name). */
export const STACK_TLS_SERVER_NAME = 'localhost';

/** Whose token a tool sends to the production stack's Temporal: the worker's (role worker) or the tooling's (role admin). */
export type StackTemporalIdentity = 'worker' | 'admin';

/**
 * The settings that reach a stack's Temporal: the address and namespace, and on the production
 * profile its CA and `who`'s client credentials, as a worker or watcher process takes them.
 */
export function stackTemporalSettings(temporal: StackState['temporal'], who: StackTemporalIdentity = 'admin'): TemporalSettings {
  const client = temporal.access?.[who];
  return {
    ...loadTemporalSettings({}, {}),
    temporalAddress: temporal.address,
    temporalNamespace: temporal.namespace,
    ...(temporal.tls ? { temporalTlsCaFile: temporal.tls.caFile, temporalTlsServerName: STACK_TLS_SERVER_NAME } : {}),
    ...(temporal.access && client ? { temporalTokenUrl: temporal.access.tokenUrl, temporalClientId: client.clientId, temporalClientSecretFile: client.secretFile } : {}),
  };
}

/** `who`'s access to a stack's Temporal (its first token fetched; renewals logged to stderr). */
export function stackTemporalAccess(temporal: StackState['temporal'], who: StackTemporalIdentity = 'admin'): Promise<TemporalAccess> {
  return temporalAccess(stackTemporalSettings(temporal, who), createLogger('stack-temporal', 'warn', process.stderr));
}

/** A client of a stack's Temporal, as `who`. */
export async function stackTemporalClient(temporal: StackState['temporal'], who: StackTemporalIdentity = 'admin'): Promise<Client & { connection: Connection }> {
  return connectClient(stackTemporalSettings(temporal, who), await stackTemporalAccess(temporal, who));
}

/** A worker's connection to a stack's Temporal, as `who`. */
export async function stackWorkerConnection(temporal: StackState['temporal'], who: StackTemporalIdentity = 'admin'): Promise<NativeConnection> {
  return connectWorker(stackTemporalSettings(temporal, who), await stackTemporalAccess(temporal, who));
}
