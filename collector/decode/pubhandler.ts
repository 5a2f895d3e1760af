// Python logging through pyzmq's PUBHandler sends [topic, message] where topic = [root_topic.]LEVEL[.subtopic]
// (`INFO`, `myapp.WARNING`, `INFO.db.query`). The level name is the only severity the emitter gives; the message
// is plain formatted text (`WARNING file.py:45 - text\n`), kept whole because the formatter is the user's choice.

import type { LogRecord, Severity } from '../record.js';
import type { RecordContext } from './context.js';

const PYTHON_LEVELS: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ['DEBUG', 'debug'],
  ['INFO', 'info'],
  ['WARNING', 'warning'],
  ['WARN', 'warning'],
  ['ERROR', 'err'],
  ['CRITICAL', 'crit'],
  ['FATAL', 'crit'],
]);

/**
 * The severity named by the first dot-separated segment of topic that is a Python level name (upper case, as
 * logging writes it), or undefined. A root topic may itself contain dots (`my.app.ERROR.db`), hence the scan.
 */
export function pubHandlerSeverity(topic: string): Severity | undefined {
  let start = 0;
  const n = topic.length;
  while (start < n) {
    let end = topic.indexOf('.', start);
    if (end < 0) end = n;
    const len = end - start;
    // Level names are 4..8 characters; skip the slice for segments that cannot be one.
    if (len >= 4 && len <= 8) {
      const s = PYTHON_LEVELS.get(start === 0 && end === n ? topic : topic.slice(start, end));
      if (s !== undefined) return s;
    }
    start = end + 1;
  }
  return undefined;
}

/**
 * A PUBHandler message as a LogRecord: severity from the topic, the text as message (the caller has already cut
 * the one trailing newline; inner newlines of tracebacks and multi-line messages stay). Undefined when there is
 * no topic or it names no Python level.
 */
export function decodePubHandler(text: string, ctx: RecordContext): LogRecord | undefined {
  if (ctx.topic === undefined) return undefined;
  const severity = pubHandlerSeverity(ctx.topic);
  if (severity === undefined) return undefined;
  const rec: LogRecord = { ts: ctx.receivedAt, input: ctx.input, message: text, topic: ctx.topic, severity };
  if (ctx.hostname !== undefined) rec.host = ctx.hostname;
  return rec;
}
