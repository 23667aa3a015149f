import pino, { DestinationStream, Logger } from 'pino';

/**
 * Field names whose values never reach a log line. The code logs no secret in the first place (a
 * test scans the logs for client secrets); this is the net under that rule.
 */
export const REDACTED_FIELDS = ['password', 'clientSecret', 'secret', 'token', 'accessToken', 'adminPassword', 'authorization', 'temporalApiKey'];

/** The process logger: JSON lines on stdout (or `destination`), one per component. */
export function createLogger(component: string, level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { component },
    redact: { paths: REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`]), censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
