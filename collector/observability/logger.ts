// The collector's own logs, on stderr so stdout stays free for the stdout sink. JSON (pino, one object per line)
// is what Kubernetes log pipelines want; `text` renders the same records for a person at a terminal
// (pino-pretty, synchronous, no worker thread).
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };
export type LogFormat = 'json' | 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

export function createLogger(level: string, name = 'zlog-collector', format: LogFormat = 'json'): Logger {
  if (format === 'text') {
    return pino({ name, level }, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
