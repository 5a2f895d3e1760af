// Syslog records as rsyslog's omczmq and other emitters put them on the wire:
//   RFC 5424 / RSYSLOG_SyslogProtocol23Format  <14>1 2026-11-27T01:33:33.5+00:00 host app procid msgid [sd] msg
//   RSYSLOG_ForwardFormat (omczmq default)      <14>2026-11-27T01:33:33.573547+00:00 host tag: msg
//   RFC 3164 / RSYSLOG_TraditionalForwardFormat <14>Nov 27 01:33:49 host tag: msg
// A record that reached rsyslog as RFC 5424 is forwarded with a tag without colon (`host kit-tcp hello`); like
// rsyslog itself, the first word after the host is taken as the tag either way.
// The parser walks char codes once; there is no regex to backtrack on hostile input.

import { FACILITIES, SEVERITIES, type Facility, type LogRecord, type Severity } from '../record.js';
import { setField, splitTag, type RecordContext } from './context.js';
import { monthAt, rfc3164ToIso, rfc3339ToIso } from './timestamp.js';

export interface Pri {
  facility: Facility;
  severity: Severity;
  /** Index just past the closing '>'. */
  end: number;
}

/** The `<N>` priority at the start of text (N in 0..191), or undefined when the text does not start with one. */
export function parsePri(text: string): Pri | undefined {
  const end = priEnd(text);
  if (end < 0) return undefined;
  const pri = priValue(text, end);
  return { facility: FACILITIES[pri >> 3], severity: SEVERITIES[pri & 7], end };
}

/** Index after `<N>` (1..3 digits, value <= 191), or -1. */
export function priEnd(text: string): number {
  if (text.charCodeAt(0) !== 60) return -1;
  let i = 1;
  let v = 0;
  for (; i < 4; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  return i > 1 && text.charCodeAt(i) === 62 && v <= 191 ? i + 1 : -1;
}

function priValue(text: string, end: number): number {
  let v = 0;
  for (let i = 1; i < end - 1; i++) v = v * 10 + text.charCodeAt(i) - 48;
  return v;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * A syslog record as a LogRecord; undefined when the text does not start with a valid `<PRI>`. A header that
 * cannot be parsed after a valid PRI still yields a record (severity and facility from the PRI, the rest of the
 * text as message) flagged `invalid_syslog_header`, so nothing is dropped.
 */
export function decodeSyslog(text: string, ctx: RecordContext): LogRecord | undefined {
  const start = priEnd(text);
  if (start < 0) return undefined;
  const pri = priValue(text, start);
  const rec: LogRecord = { ts: ctx.receivedAt, input: ctx.input, message: '' };
  if (ctx.topic !== undefined) rec.topic = ctx.topic;
  rec.severity = SEVERITIES[pri & 7];
  rec.facility = FACILITIES[pri >> 3];
  // RFC 5424 starts with a VERSION (1-2 digits) and a space; the ForwardFormat's RFC 3339 year never has a space
  // after its first two digits, so this cannot mistake one for the other.
  const c0 = text.charCodeAt(start);
  let ok: boolean;
  if (c0 >= 49 && c0 <= 57 && (text.charCodeAt(start + 1) === 32 || (isDigit(text.charCodeAt(start + 1)) && text.charCodeAt(start + 2) === 32))) {
    ok = parse5424(text, text.indexOf(' ', start) + 1, rec, ctx);
  } else {
    ok = parseBsd(text, start, rec, ctx);
  }
  if (!ok) {
    rec.message = text.slice(start);
    rec.flags = ['invalid_syslog_header'];
  }
  if (rec.host === undefined && ctx.hostname !== undefined) rec.host = ctx.hostname;
  return rec;
}

/** RFC 3164 and rsyslog's forward formats: [TIMESTAMP HOST ]TAG MSG. */
function parseBsd(text: string, i: number, rec: LogRecord, ctx: RecordContext): boolean {
  const n = text.length;
  let iso: string | undefined;
  let tsEnd = -1;
  const c = text.charCodeAt(i);
  if (isDigit(c)) {
    tsEnd = text.indexOf(' ', i);
    if (tsEnd < 0) tsEnd = n;
    iso = rfc3339ToIso(text, i, tsEnd);
  } else if (monthAt(text, i) >= 0) {
    tsEnd = i + 15;
    while (tsEnd < n && text.charCodeAt(tsEnd) !== 32) tsEnd++;
    iso = rfc3164ToIso(text, i, tsEnd, ctx.receivedAt);
  }
  if (iso !== undefined) {
    rec.ts = iso;
    i = tsEnd + 1;
    // Local senders may leave the host out; a word that ends in ':' or carries '[pid]' is a tag, not a host.
    let hEnd = text.indexOf(' ', i);
    if (hEnd < 0) hEnd = n;
    const last = text.charCodeAt(hEnd - 1);
    if (hEnd > i && last !== 58 && last !== 93) {
      rec.host = text.slice(i, hEnd);
      i = hEnd + 1;
    }
  } else if (tsEnd >= 0) {
    return false;
  }
  if (i >= n) return true;
  let tEnd = text.indexOf(' ', i);
  if (tEnd < 0) tEnd = n;
  const tag = splitTag(text.slice(i, tEnd));
  if (tag.app !== undefined) rec.app = tag.app;
  if (tag.pid !== undefined) rec.pid = tag.pid;
  rec.message = tEnd < n ? text.slice(tEnd + 1) : '';
  return true;
}

/** RFC 5424 after `<PRI>VERSION `: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]. */
function parse5424(text: string, i: number, rec: LogRecord, ctx: RecordContext): boolean {
  const n = text.length;
  const header: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined];
  for (let k = 0; k < 5; k++) {
    const end = text.indexOf(' ', i);
    if (end < 0 || end === i) return false;
    header[k] = end === i + 1 && text.charCodeAt(i) === 45 ? undefined : text.slice(i, end); // '-' is nil
    i = end + 1;
  }
  let fields: Record<string, unknown> | undefined;
  const [tsText, host, app, procid, msgid] = header;
  if (tsText !== undefined) {
    const iso = rfc3339ToIso(tsText);
    if (iso !== undefined) rec.ts = iso;
    else fields = { timestamp: tsText }; // keep what we could not read rather than lose it
  }
  if (host !== undefined) rec.host = host;
  if (app !== undefined) rec.app = app;
  if (procid !== undefined) rec.pid = procid;
  if (msgid !== undefined) rec.msgid = msgid;
  if (text.charCodeAt(i) === 45) { // '-': no structured data
    i++;
  } else if (text.charCodeAt(i) === 91) { // '['
    fields ??= {};
    i = parseStructuredData(text, i, fields);
    if (i < 0) return false;
  } else {
    return false;
  }
  if (fields !== undefined) rec.fields = fields;
  if (i >= n) {
    // no MSG part: message stays empty
  } else if (text.charCodeAt(i) === 32) {
    // RFC 5424 lets the message start with a UTF-8 BOM to say it is UTF-8; it is not part of the text.
    // rsyslog forwards a record it got as RFC 3164 with the space that followed the tag still in front of MSG
    // (`- -  text`); that one space goes too. A 5424 sender's own leading space is rarer than this artefact.
    const m = text.charCodeAt(i + 1);
    rec.message = m === 0xfeff || m === 32 ? text.slice(i + 2) : text.slice(i + 1);
  } else {
    return false;
  }
  return true;
}

/**
 * `[id name="value" ...][id2 ...]` starting at i into fields[id] = { name: value }; a name repeated within one
 * element (allowed by RFC 5424) becomes an array. Returns the index after the last ']' or -1 when malformed.
 */
function parseStructuredData(text: string, i: number, fields: Record<string, unknown>): number {
  const n = text.length;
  while (i < n && text.charCodeAt(i) === 91) {
    i++;
    let idEnd = i;
    while (idEnd < n) {
      const c = text.charCodeAt(idEnd);
      if (c === 32 || c === 93) break;
      idEnd++;
    }
    if (idEnd === i || idEnd >= n) return -1;
    const element: Record<string, unknown> = {};
    setField(fields, text.slice(i, idEnd), element);
    i = idEnd;
    while (text.charCodeAt(i) === 32) {
      const eq = text.indexOf('=', i + 1);
      if (eq < 0 || text.charCodeAt(eq + 1) !== 34) return -1;
      const name = text.slice(i + 1, eq);
      let j = eq + 2;
      let value = '';
      let runStart = j;
      for (;;) {
        if (j >= n) return -1;
        const c = text.charCodeAt(j);
        if (c === 34) break;
        if (c === 92) { // backslash escapes only '"', '\' and ']'; before anything else it is kept
          const next = text.charCodeAt(j + 1);
          if (next === 34 || next === 92 || next === 93) {
            value += text.slice(runStart, j);
            runStart = j + 1;
            j += 2;
            continue;
          }
        }
        j++;
      }
      value += text.slice(runStart, j);
      const prev = Object.hasOwn(element, name) ? element[name] : undefined;
      if (prev === undefined) setField(element, name, value);
      else if (Array.isArray(prev)) prev.push(value);
      else setField(element, name, [prev, value]);
      i = j + 1;
    }
    if (text.charCodeAt(i) !== 93) return -1;
    i++;
  }
  return i;
}
