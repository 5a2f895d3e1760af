// One JSON object per record, as pino, Python JSON formatters, rsyslog's JSON templates and hand-rolled senders
// write it. The usual key names map onto LogRecord; every key that is not mapped (or whose value cannot be read,
// e.g. an unparseable time) stays in `fields`, so nothing the sender wrote is lost.

import type { LogRecord } from '../record.js';
import { setField, splitTag, type RecordContext } from './context.js';
import { facilityFromValue, severityFromValue } from './levels.js';
import { markedInteger, markedNumber, markLongNumbers, markRecord } from './json-numbers.js';
import { epochToIso, rfc3339ToIso } from './timestamp.js';

/** A timestamp from a JSON value: RFC 3339-like string, epoch number (s/ms/µs/ns) or numeric string. */
export function jsonTimeToIso(v: unknown): string | undefined {
  if (typeof v === 'number') return epochToIso(v);
  if (typeof v !== 'string') return undefined;
  const big = markedInteger(v);
  if (big !== undefined) return epochToIso(big);
  const lit = markedNumber(v);
  if (lit !== undefined) return epochToIso(Number(lit));
  const iso = rfc3339ToIso(v);
  if (iso !== undefined) return iso;
  const n = Number(v);
  return v.length > 0 && Number.isFinite(n) ? epochToIso(n) : undefined;
}

/**
 * A JSON object record as a LogRecord, or undefined when text is not a JSON object (the caller then treats it as
 * text). When a category has several keys (`msg` and `message`), the first one in the object that holds a usable
 * value wins and the others stay in `fields`. A time key whose value names no real time stays in `fields` and the
 * record is flagged `invalid_timestamp` (ts is then the receive time). Numbers a float64 cannot hold exactly
 * (64-bit ids, nanosecond epochs) are written out digit for digit by stringifyRecord (json-numbers.ts).
 */
export function decodeJson(text: string, ctx: RecordContext): LogRecord | undefined {
  let obj: unknown;
  const marked = markLongNumbers(text);
  try {
    obj = JSON.parse(marked ?? text);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const src = obj as Record<string, unknown>;
  const rec: LogRecord = { ts: ctx.receivedAt, input: ctx.input, message: '' };
  if (ctx.topic !== undefined) rec.topic = ctx.topic;
  let haveTs = false;
  let badTs = false;
  let haveMsg = false;
  // rsyslog's JSON template writes the raw tag ("kit-uxsock:") and the raw msg, which then starts with the
  // space that separated them on the wire; that space goes when the tag shows it was there.
  let tagHadColon = false;
  let fields: Record<string, unknown> | undefined;
  for (const key in src) {
    const v = src[key];
    let used = false;
    // A marked number is a string only on the way through; where a key wants a string it is still a number.
    const num = marked !== undefined && markedNumber(v) !== undefined;
    switch (num && key !== 'pid' ? '' : key) {
      case '':
        if (!haveTs && (key === 'ts' || key === 'time' || key === 'timestamp' || key === '@timestamp')) {
          const iso = jsonTimeToIso(v);
          if (iso !== undefined) { rec.ts = iso; haveTs = used = true; }
          else badTs = true;
        }
        break;
      case 'ts': case 'time': case 'timestamp': case '@timestamp':
        if (!haveTs) {
          const iso = jsonTimeToIso(v);
          if (iso !== undefined) { rec.ts = iso; haveTs = used = true; }
          else badTs = true;
        }
        break;
      case 'level': case 'severity': case 'lvl': case 'levelname': case 'loglevel':
        if (rec.severity === undefined) {
          const s = severityFromValue(v);
          if (s !== undefined) { rec.severity = s; used = true; }
        }
        break;
      case 'facility':
        if (rec.facility === undefined) {
          const f = facilityFromValue(v);
          if (f !== undefined) { rec.facility = f; used = true; }
        }
        break;
      case 'msg': case 'message':
        if (!haveMsg && typeof v === 'string') { rec.message = v; haveMsg = used = true; }
        break;
      case 'host': case 'hostname':
        if (rec.host === undefined && typeof v === 'string') { rec.host = v; used = true; }
        break;
      case 'tag':
        if (rec.app === undefined && typeof v === 'string') {
          const t = splitTag(v);
          if (t.app !== undefined) {
            rec.app = t.app;
            if (t.pid !== undefined && rec.pid === undefined) rec.pid = t.pid;
            tagHadColon = v.charCodeAt(v.length - 1) === 58;
            used = true;
          }
        }
        break;
      case 'app': case 'logger': case 'name':
        if (rec.app === undefined && typeof v === 'string') { rec.app = v; used = true; }
        break;
      case 'pid':
        if (rec.pid === undefined && (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
          rec.pid = markedNumber(v) ?? String(v);
          used = true;
        }
        break;
      case 'msgid':
        if (rec.msgid === undefined && typeof v === 'string') { rec.msgid = v; used = true; }
        break;
    }
    if (!used) setField((fields ??= {}), key, v);
  }
  if (tagHadColon && rec.message.charCodeAt(0) === 32) rec.message = rec.message.slice(1);
  if (rec.host === undefined && ctx.hostname !== undefined) rec.host = ctx.hostname;
  if (fields !== undefined) rec.fields = fields;
  if (badTs && !haveTs) rec.flags = ['invalid_timestamp'];
  if (marked !== undefined) markRecord(rec);
  return rec;
}
