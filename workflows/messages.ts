import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { NamespaceWake, PassOutcome } from '../model/provisioning';

/** From the watcher (or the audit): something in the namespace changed; run a pass (events during a pass fold into one more). */
export const resourcesChangedSignal = defineSignal<[NamespaceWake?]>('resourcesChanged');
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
  /** Seconds between audits (0: switched off: a running audit ends). */
  intervalSeconds: number;
  /** Namespaces woken per second for repairs. */
  wakesPerSecond: number;
}

/** From the leading watcher: the audit's settings. Also starts the audit workflow (never with interval 0). */
export const auditSettingsSignal = defineSignal<[AuditSettings]>('auditSettings');
/** From a person or a test: audit now, without waiting for the interval (after restoring a realm, say). */
export const auditNowSignal = defineSignal('auditNow');
/** From an upgrade to a new build: the audit moves onto it now, not at the top of its next round. */
export const moveToCurrentBuildSignal = defineSignal('moveToCurrentBuild');
