// The collector's own logs: pino JSON, one line each, on stderr so stdout stays free for the stdout sink.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'zlog-collector'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
