import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PassOutcome } from './types';

/**
 * Why a namespace is told to look again. `change`: the watcher saw something change (a new agent,
 * drift): new work, served first. `takeover`: a watcher that just started found the namespace not
 * settled. `audit`: the Keycloak audit found its clients, scopes or Secrets out of line. The last two
 * are maintenance, which waits behind new work for Keycloak; any other reason (a person's) is new work.
 */
export type WakeReason = 'change' | 'takeover' | 'audit';

/** From the watcher (or the audit): something in the namespace changed; run a pass (events during a pass fold into one more). */
export const resourcesChangedSignal = defineSignal<[{ reason?: WakeReason }?]>('resourcesChanged');
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

export interface AuditSettings {
  /** Seconds between audits (0: only when asked, by auditNow). */
  intervalSeconds: number;
  /** Namespaces woken per second for repairs. */
  wakesPerSecond: number;
}

/** From the leading watcher: the audit's settings. Also starts the audit workflow. */
export const auditSettingsSignal = defineSignal<[AuditSettings]>('auditSettings');
/** From a person or a test: audit now, without waiting for the interval (after restoring a realm, say). */
export const auditNowSignal = defineSignal('auditNow');
