import pino, { DestinationStream, Logger } from 'pino';

/** The process logger: JSON lines on stdout (or `destination`), one per component. */
export function createLogger(component: string, level: string, destination?: DestinationStream): Logger {
  return destination ? pino({ level, base: { component } }, destination) : pino({ level, base: { component } });
}
