import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AuditSettings } from '../workflows/messages';
import { ensureKeycloakAudit, switchKeycloakAuditOff } from '../temporal/keycloak-audit';

const RETRY_MS = { min: 1000, max: 30_000 };

/**
 * Puts the Keycloak audit workflow in line with `settings`, retrying with backoff until the Temporal
 * server takes it: starts it or gives it new settings; with interval 0, ends the one running.
 * Returns what stops the retries.
 */
export function keepKeycloakAuditInLine(client: Client, taskQueue: string, settings: AuditSettings, log: Logger): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const putInLine = async (delay: number) => {
    try {
      if (settings.intervalSeconds > 0) await ensureKeycloakAudit(client, taskQueue, settings);
      else await switchKeycloakAuditOff(client, taskQueue, settings);
    } catch (error) {
      log.warn({ err: String(error), retryInMs: delay }, `Could not ${settings.intervalSeconds > 0 ? 'start' : 'switch off'} the Keycloak audit; retrying`);
      if (!stopped) timer = setTimeout(() => void putInLine(Math.min(RETRY_MS.max, delay * 2)), delay);
    }
  };
  void putInLine(RETRY_MS.min);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
