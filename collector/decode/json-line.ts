// A decoded JSON record written back as one JSON text without serialising its message again. V8's
// JSON.stringify (Node 20) checks a string character by character: for a 1 KiB record it spent ~3 µs of its
// ~5 µs on the message alone. A string the sender wrote without any backslash is, between its quotes, exactly
// what JSON.stringify writes for it, so a long message is copied from the record's text instead.

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Below this many characters JSON.stringify of the message costs less than finding it in the text. */
export const SPLICE_MIN_CHARS = 128;

/** Set by closeQuote: the string it closed holds a backslash. */
let escaped = false;

/** Index of the quote that closes the string opened at `q`, or -1; sets `escaped`. */
function closeQuote(text: string, q: number): number {
  escaped = false;
  let from = q + 1;
  for (;;) {
    const e = text.indexOf('"', from);
    if (e < 0) return -1;
    const bs = text.indexOf('\\', from);
    if (bs < 0 || bs > e) return e;
    escaped = true;
    // Skip the escaped character (which may be a quote) and look again.
    from = bs + 2;
  }
}

function skipWs(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** Index after the object or array that starts at `i`, or -1. */
function skipNested(text: string, i: number): number {
  let depth = 0;
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closeQuote(text, i);
      if (i < 0) return -1;
    } else if (c === LBRACE || c === LBRACKET) {
      depth++;
    } else if (c === RBRACE || c === RBRACKET) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * The value of the last top-level member `key` of the JSON object text (the one JSON.parse keeps), as
 * [start, end) of its quoted text, when it is a string without a backslash; undefined otherwise (absent, not a
 * string, escaped, or the text stops being JSON before it). Each step moves forward, so it ends on any input.
 */
export function lastPlainString(text: string, key: string): [number, number] | undefined {
  let found: [number, number] | undefined;
  const n = text.length;
  let i = skipWs(text, 1);
  while (i < n && text.charCodeAt(i) === QUOTE) {
    const keyEnd = closeQuote(text, i);
    if (keyEnd < 0) break;
    const isKey = !escaped && keyEnd - i - 1 === key.length && text.startsWith(key, i + 1);
    // A key spelt with an escape ("m\u0073g") is the same key to JSON.parse: such a member is not copied, and a
    // plain one before it is not the one JSON.parse keeps.
    if (escaped && escapedKeyIs(text, i, keyEnd, key)) found = undefined;
    i = skipWs(text, keyEnd + 1);
    if (text.charCodeAt(i) !== COLON) break;
    i = skipWs(text, i + 1);
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const e = closeQuote(text, i);
      if (e < 0) break;
      if (isKey) found = escaped ? undefined : [i, e + 1];
      i = e + 1;
    } else {
      if (isKey) found = undefined;
      if (c === LBRACE || c === LBRACKET) {
        i = skipNested(text, i);
        if (i < 0) break;
      } else {
        while (i < n && !endsScalar(text.charCodeAt(i))) i++;
      }
    }
    i = skipWs(text, i);
    if (text.charCodeAt(i) !== COMMA) break;
    i = skipWs(text, i + 1);
  }
  return found;
}

/** Whether the escaped key text[q, e] (quotes included) decodes to `key`; false if it is not a JSON string. */
function escapedKeyIs(text: string, q: number, e: number, key: string): boolean {
  try {
    return JSON.parse(text.slice(q, e + 1)) === key;
  } catch {
    return false;
  }
}

function endsScalar(c: number): boolean {
  return c === COMMA || c === RBRACE || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The sender's keys a JSON record's message comes from (decodeJson). */
const MESSAGE_KEYS = ['msg', 'message'] as const;

/**
 * `JSON.stringify(rec)`, byte for byte, for a record decoded from the JSON object text `source` by decodeJson,
 * with a long message copied from `source` when the sender wrote it without a backslash.
 * Preconditions: `source` is the text JSON.parse accepted (so its strings hold no raw control characters) and
 * holds no lone surrogates (it was decoded from UTF-8); `rec` has the key order decodeJson gives it (ts, input,
 * message first) and carries no marked numbers (json-numbers.ts).
 */
export function recordJson(rec: object, source: string): string {
  const r = rec as { ts?: unknown; input?: unknown; message?: unknown; fields?: object };
  const message = r.message;
  if (typeof message !== 'string' || typeof r.ts !== 'string' || typeof r.input !== 'string' || message.length < SPLICE_MIN_CHARS || source.charCodeAt(0) !== LBRACE) return JSON.stringify(rec);
  // decodeJson moves every sender key it does not use into fields, so the message came from the one of msg and
  // message that is not there.
  let span: [number, number] | undefined;
  for (const k of MESSAGE_KEYS) {
    if (r.fields !== undefined && Object.hasOwn(r.fields, k)) continue;
    span = lastPlainString(source, k);
    if (span !== undefined) break;
  }
  // The length also catches a message decodeJson shortened (the space after an rsyslog tag).
  if (span === undefined || span[1] - span[0] - 2 !== message.length) return JSON.stringify(rec);
  r.message = '';
  let s: string;
  try {
    s = JSON.stringify(rec);
  } finally {
    r.message = message;
  }
  // Where `"message":""` must stand when ts, input and message are the first three keys (decodeJson's order).
  const at = 6 + JSON.stringify(r.ts).length + 9 + JSON.stringify(r.input).length;
  if (!s.startsWith('{"ts":') || !s.startsWith(',"message":""', at)) return JSON.stringify(rec);
  return s.slice(0, at + 11) + source.slice(span[0], span[1]) + s.slice(at + 13);
}
