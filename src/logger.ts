// Structured logs: one pino logger for the process; fastify and every module log through it.
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'tandem' } });
}

export type { Logger };
