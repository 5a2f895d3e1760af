// Syslog records as rsyslog's omczmq and other emitters put them on the wire:
//   RFC 5424 / RSYSLOG_SyslogProtocol23Format  <14>1 2026-11-27T01:33:33.5+00:00 host app procid msgid [sd] msg
//   RSYSLOG_ForwardFormat (omczmq default)      <14>2026-11-27T01:33:33.573547+00:00 host tag: msg
//   RFC 3164 / RSYSLOG_TraditionalForwardFormat <14>Nov 27 01:33:49 host tag: msg
// A record that reached rsyslog as RFC 5424 is forwarded with a tag without colon (`host kit-tcp hello`); like
// rsyslog itself, the first word after the host is taken as the tag either way.
// The parser walks char codes once; there is no regex to backtrack on hostile input.

import { FACILITIES, SEVERITIES, type Facility, type LogRecord, type Severity } from '../record.js';
import { setField, splitTag, type RecordContext } from './context.js';
import { hasRfc3339Shape, readRfc3164, rfc3339ToIso } from './timestamp.js';

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
 * A syslog record as a LogRecord; undefined when the text does not start with a valid `<PRI>`. Nothing after a
 * valid PRI is dropped, and header fields are taken only where the text has the shape of a header:
 * - no timestamp after the PRI (RFC 3164 section 4.3.2: no valid header): the text is the message, less a leading
 *   tag-shaped word (`app:` / `app[pid]:`); flag `invalid_syslog_header`, ts is the receive time.
 * - a timestamp of the right shape naming a time that does not exist (`Feb 30`, month 13 in RFC 3339): the rest of
 *   the header is read, ts is the receive time, the text goes to `fields.timestamp`, flag `invalid_timestamp`.
 * - a header that breaks off in the middle (RFC 5424 with a truncated field): the text after the PRI is the message,
 *   flag `invalid_syslog_header`.
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
    ok = parse5424(text, text.indexOf(' ', start) + 1, rec);
  } else {
    // Some devices put a space between the PRI and the header.
    ok = parseBsd(text, c0 === 32 ? start + 1 : start, rec, ctx);
  }
  if (!ok) {
    rec.message = text.slice(start);
    rec.flags = ['invalid_syslog_header'];
    delete rec.host;
    delete rec.app;
    delete rec.pid;
    delete rec.msgid;
    delete rec.fields;
    rec.ts = ctx.receivedAt;
  }
  if (rec.host === undefined && ctx.hostname !== undefined) rec.host = ctx.hostname;
  return rec;
}

/** Index of the next space at or after i, or text.length. */
function wordEnd(text: string, i: number): number {
  const e = text.indexOf(' ', i);
  return e < 0 ? text.length : e;
}

/** Whether text[i..end) contains '=': `key=value` words are message content, never a host or a tag. */
function hasEquals(text: string, i: number, end: number): boolean {
  const e = text.indexOf('=', i);
  return e >= 0 && e < end;
}

function flag(rec: LogRecord, f: string): void {
  (rec.flags ??= []).push(f);
}

/** A timestamp that has a header's shape but names no real time: kept in fields, never written as ts. */
function invalidTimestamp(rec: LogRecord, tsText: string): void {
  rec.fields = { timestamp: tsText };
  flag(rec, 'invalid_timestamp');
}

/** RFC 3164 and rsyslog's forward formats: [TIMESTAMP HOST ]TAG MSG. */
function parseBsd(text: string, i: number, rec: LogRecord, ctx: RecordContext): boolean {
  const n = text.length;
  let tsEnd = -1;
  if (isDigit(text.charCodeAt(i))) {
    if (hasRfc3339Shape(text, i)) {
      tsEnd = wordEnd(text, i);
      const iso = rfc3339ToIso(text, i, tsEnd);
      if (iso !== undefined) rec.ts = iso;
      else invalidTimestamp(rec, text.slice(i, tsEnd));
    }
  } else {
    const t = readRfc3164(text, i, ctx.receivedAt);
    if (t !== undefined) {
      tsEnd = t.end;
      if (t.iso !== undefined) rec.ts = t.iso;
      else invalidTimestamp(rec, text.slice(i, tsEnd));
    }
  }
  if (tsEnd < 0) {
    // No header (RFC 3164 section 4.3.2): the whole text is the message. A leading `tag:` is the one header
    // field a sender without a clock still writes (`<13>cron[7]: ran`), so it alone is taken.
    flag(rec, 'invalid_syslog_header');
    const tEnd = wordEnd(text, i);
    if (tEnd > i && text.charCodeAt(tEnd - 1) === 58 && !hasEquals(text, i, tEnd)) return readTag(text, i, tEnd, rec);
    rec.message = text.slice(i);
    return true;
  }
  i = tsEnd + 1;
  if (i >= n) return true;
  // Local senders may leave the host out; a word that ends in ':' or carries '[pid]' is a tag, not a host.
  const hEnd = wordEnd(text, i);
  const last = text.charCodeAt(hEnd - 1);
  if (hEnd > i && last !== 58 && last !== 93 && !hasEquals(text, i, hEnd)) {
    rec.host = text.slice(i, hEnd);
    i = hEnd + 1;
  }
  if (i >= n) return true;
  const tEnd = wordEnd(text, i);
  if (tEnd === i || hasEquals(text, i, tEnd)) {
    rec.message = text.slice(i);
    return true;
  }
  return readTag(text, i, tEnd, rec);
}

/** The tag text[i..tEnd) into app/pid and the rest of the text (after one space) as the message. */
function readTag(text: string, i: number, tEnd: number, rec: LogRecord): boolean {
  const tag = splitTag(text.slice(i, tEnd));
  if (tag.app !== undefined) rec.app = tag.app;
  if (tag.pid !== undefined) rec.pid = tag.pid;
  rec.message = tEnd < text.length ? text.slice(tEnd + 1) : '';
  return true;
}

/**
 * RFC 5424 after `<PRI>VERSION `: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]. Senders that leave out the
 * structured data (`... web.3 - State changed`, common among hosted log services) are read as having none: the
 * rest is the message. Returns false only when the five header fields are not all there.
 */
function parse5424(text: string, i: number, rec: LogRecord): boolean {
  const n = text.length;
  const header: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined];
  for (let k = 0; k < 5; k++) {
    const end = text.indexOf(' ', i);
    if (end < 0 || end === i) return false;
    header[k] = end === i + 1 && text.charCodeAt(i) === 45 ? undefined : text.slice(i, end); // '-' is nil
    i = end + 1;
  }
  const [tsText, host, app, procid, msgid] = header;
  if (tsText !== undefined) {
    const iso = rfc3339ToIso(tsText);
    if (iso !== undefined) rec.ts = iso;
    else invalidTimestamp(rec, tsText); // keep what we could not read rather than lose it
  }
  if (host !== undefined) rec.host = host;
  if (app !== undefined) rec.app = app;
  if (procid !== undefined) rec.pid = procid;
  if (msgid !== undefined) rec.msgid = msgid;
  const c = text.charCodeAt(i);
  if (c === 45 && (i + 1 >= n || text.charCodeAt(i + 1) === 32)) { // '-': no structured data
    i++;
  } else if (c === 91) { // '['
    const sd: Record<string, unknown> = {};
    const after = parseStructuredData(text, i, sd);
    if (after >= 0 && (after >= n || text.charCodeAt(after) === 32)) {
      rec.fields = rec.fields === undefined ? sd : Object.assign(sd, rec.fields);
      i = after;
    } else {
      rec.message = text.slice(i); // not structured data after all: a message starting with '['
      return true;
    }
  } else {
    rec.message = i < n ? text.slice(i) : ''; // SD left out
    return true;
  }
  if (i >= n) {
    // no MSG part: message stays empty
  } else {
    // RFC 5424 lets the message start with a UTF-8 BOM to say it is UTF-8; it is not part of the text.
    // rsyslog forwards a record it got as RFC 3164 with the space that followed the tag still in front of MSG
    // (`- -  text`); that one space goes too. A 5424 sender's own leading space is rarer than this artefact.
    const m = text.charCodeAt(i + 1);
    rec.message = m === 0xfeff || m === 32 ? text.slice(i + 2) : text.slice(i + 1);
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
