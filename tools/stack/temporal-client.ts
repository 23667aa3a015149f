import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createLogger } from '../../config/logger';
import { loadTemporalSettings, TemporalSettings } from '../../config/settings';
import { connectClient, connectWorker, TemporalAccess, temporalAccess } from '../../config/temporal-connection';
import { STACK_TLS_SERVER_NAME } from './production/stack-ca';
import { StackState, temporalRealmUrls } from './state';

/** Whose token a tool sends to the production stack's Temporal: the worker's (role worker) or the tooling's (role admin). */
export type StackTemporalIdentity = 'worker' | 'admin';

/**
 * The settings that reach a stack's Temporal: the address and namespace, and on the production
 * profile its CA and `who`'s client credentials, as a worker or watcher process takes them.
 */
export function stackTemporalSettings(temporal: StackState['temporal'], who: StackTemporalIdentity): TemporalSettings {
  const client = temporal.access?.[who];
  return {
    ...loadTemporalSettings({}, {}),
    temporalAddress: temporal.address,
    temporalNamespace: temporal.namespace,
    ...(temporal.tls ? { temporalTlsCaFile: temporal.tls.caFile, temporalTlsServerName: STACK_TLS_SERVER_NAME } : {}),
    ...(client ? { temporalTokenUrl: temporalRealmUrls(temporal.access!).token, temporalClientId: client.clientId, temporalClientSecretFile: client.secretFile } : {}),
  };
}

/** One access (one token kept fresh) per stack and identity in this process, however many clients use it. */
const accesses = new Map<string, Promise<TemporalAccess>>();

function stackTemporalAccess(temporal: StackState['temporal'], who: StackTemporalIdentity): Promise<TemporalAccess> {
  const key = `${temporal.address} ${who}`;
  let access = accesses.get(key);
  if (!access) {
    access = temporalAccess(stackTemporalSettings(temporal, who), createLogger('stack-temporal', 'warn', process.stderr));
    accesses.set(key, access);
    // A failed start is not kept: the next caller tries again.
    access.catch(() => accesses.delete(key));
  }
  return access;
}

/** A client of a stack's Temporal, as `who`. */
export async function stackTemporalClient(temporal: StackState['temporal'], who: StackTemporalIdentity = 'admin'): Promise<Client> {
  return connectClient(stackTemporalSettings(temporal, who), await stackTemporalAccess(temporal, who));
}

/** A worker's connection to a stack's Temporal, as `who`. */
export async function stackWorkerConnection(temporal: StackState['temporal'], who: StackTemporalIdentity = 'admin'): Promise<NativeConnection> {
  return connectWorker(stackTemporalSettings(temporal, who), await stackTemporalAccess(temporal, who));
}
