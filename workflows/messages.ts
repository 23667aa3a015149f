import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PassOutcome } from './types';

/** From the watcher: something in the namespace changed; run a pass (events during a pass fold into one more). */
export const resourcesChangedSignal = defineSignal<[{ reason?: string }?]>('resourcesChanged');
/** From the watcher: the namespace was deleted; remove what is owned in Keycloak and end. */
export const namespaceDeletedSignal = defineSignal('namespaceDeleted');
/** The last pass's outcome and how many passes ran. */
export const getStatusQuery = defineQuery<NamespaceStatus>('getStatus');

export interface NamespaceStatus {
  namespace: string;
  passes: number;
  pending: boolean;
  last?: PassOutcome;
}
