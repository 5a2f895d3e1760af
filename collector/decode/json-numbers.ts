// JSON numbers kept exactly as the sender wrote them. JSON.parse turns every number into a float64, so a 64-bit id
// (3791411052119578828) or a nanosecond epoch comes back rounded; Node 20 has neither JSON.parse's source text
// access nor JSON.rawJSON. Numbers a float cannot hold are therefore carried through JSON.parse and
// JSON.stringify as marked strings and put back as bare numbers in the NDJSON line.
//
// Only texts with a run of 16+ digits (every integer of 15 digits is exact) or a 3-digit exponent (1e400 would
// become Infinity, written as null) can hold such a number, so the common record pays one regex test.

import { randomBytes } from 'node:crypto';
import { recordJson } from './json-line.js';

/**
 * Prefix of a marked number inside a parsed record. It starts with NUL and carries a random per-process key, so
 * no string a sender writes can be mistaken for one.
 */
const MARK = `\u0000zlog-number-${randomBytes(8).toString('hex')}:`;
/** The same prefix as it appears inside a JSON-encoded string (JSON.stringify writes NUL as \u0000). */
const MARK_JSON = JSON.stringify(MARK).slice(1, -1);
const MARKED_JSON = new RegExp(`"${MARK_JSON.replace(/\\/g, '\\\\')}(-?[0-9][0-9.eE+-]*)"`, 'g');
const LONG_DIGITS = /[0-9]{16}|[eE][+-]?[0-9]{3}/;
const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** Records whose fields hold marked numbers; stringifyRecord restores them. */
const marked = new WeakSet<object>();

/**
 * text with every number literal that a float64 would not reproduce digit for digit (outside strings, 16+
 * digits or an exponent) replaced by a marked string; undefined when there is none (the caller parses text as it is).
 */
export function markLongNumbers(text: string): string | undefined {
  if (!LONG_DIGITS.test(text)) return undefined;
  let out = '';
  let copied = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { // '"': skip the string, escapes included
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      let digits = c === 45 ? 0 : 1;
      let exponent = false;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d >= 48 && d <= 57) digits++;
        else if (d === 101 || d === 69) exponent = true;
        else if (d !== 46 && d !== 43 && d !== 45) break;
      }
      if (digits >= 16 || exponent) {
        const literal = text.slice(i, j);
        // An invalid literal is left for JSON.parse to refuse; an exact one needs no mark.
        if (JSON_NUMBER.test(literal) && String(Number(literal)) !== literal) {
          out += text.slice(copied, i) + '"' + MARK_JSON + literal + '"';
          copied = j;
        }
      }
      i = j - 1;
    }
  }
  return copied === 0 ? undefined : out + text.slice(copied);
}

/** The literal of a marked number, or undefined when v is not one. */
export function markedNumber(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith(MARK) ? v.slice(MARK.length) : undefined;
}

/** The value as the sender wrote it for a marked integer within 64 bits of magnitude, as a bigint. */
export function markedInteger(v: unknown): bigint | undefined {
  const lit = markedNumber(v);
  return lit !== undefined && /^-?[0-9]+$/.test(lit) ? BigInt(lit) : undefined;
}

/** Notes that rec carries marked numbers (decodeJson calls it). */
export function markRecord(rec: object): void {
  marked.add(rec);
}

/**
 * A record as one JSON text, marked numbers written back as the sender's literal digits. `source`: the record's
 * text when it was decoded from a JSON object (decodeJson); its string values are then copied from it where
 * they can be (json-line.ts recordJson), with the same result.
 */
export function stringifyRecord(rec: object, source?: string): string {
  if (marked.has(rec)) return JSON.stringify(rec).replace(MARKED_JSON, '$1');
  return source !== undefined && source.charCodeAt(0) === 0x7b ? recordJson(rec, source) : JSON.stringify(rec);
}
