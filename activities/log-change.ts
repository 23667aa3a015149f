import type { Logger } from 'pino';

/** Logs `message` when an ensure-step changed something; an unchanged outcome is not news. */
export function logChange(log: Logger, outcome: string, message: string, fields: Record<string, unknown>): void {
  if (outcome !== 'unchanged') log.info(fields, message);
}
