import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Settings } from './settings';

export function connectWorker(settings: Pick<Settings, 'temporalAddress'>): Promise<NativeConnection> {
  return NativeConnection.connect({ address: settings.temporalAddress });
}

export async function connectClient(settings: Pick<Settings, 'temporalAddress' | 'temporalNamespace'>): Promise<Client> {
  const connection = await Connection.connect({ address: settings.temporalAddress });
  return new Client({ connection, namespace: settings.temporalNamespace });
}
