import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AuditSettings } from '../workflows/messages';
import { ensureKeycloakAudit } from '../temporal/keycloak-audit';

const RETRY_MS = { min: 1000, max: 30_000 };

/**
 * Starts the Keycloak audit workflow (or gives it new settings), retrying with backoff until the
 * Temporal server takes it. Returns what stops the retries.
 */
export function keepKeycloakAuditStarted(client: Client, taskQueue: string, settings: AuditSettings, log: Logger): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const start = async (delay: number) => {
    try {
      await ensureKeycloakAudit(client, taskQueue, settings);
    } catch (error) {
      log.warn({ err: String(error), retryInMs: delay }, 'Could not start the Keycloak audit; retrying');
      if (!stopped) timer = setTimeout(() => void start(Math.min(RETRY_MS.max, delay * 2)), delay);
    }
  };
  void start(RETRY_MS.min);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
