import { NativeConnection } from '@temporalio/worker';
import type { Settings } from './settings';

export function connectWorker(settings: Pick<Settings, 'temporalAddress'>): Promise<NativeConnection> {
  return NativeConnection.connect({ address: settings.temporalAddress });
}
