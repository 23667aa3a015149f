import pino, { Logger } from 'pino';

/** The process logger: JSON lines on stdout, one child per component. */
export function createLogger(component: string, level: string): Logger {
  return pino({ level, base: { component } });
}
