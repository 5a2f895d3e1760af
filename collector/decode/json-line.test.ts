// recordJson writes exactly what JSON.stringify writes for a record decoded from a JSON object, whatever the
// sender's spelling (whitespace, escapes, repeated keys, __proto__, integer-like keys, nesting).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeJson } from './json.js';
import { decodeRecord } from './record.js';
import { lastPlainString, recordJson, SPLICE_MIN_CHARS } from './json-line.js';
import { stringifyRecord } from './json-numbers.js';

const ctx = { input: 'in', receivedAt: '2026-11-30T06:00:00.000Z', hostname: 'pod' };
const MAPPED = ['ts', 'time', 'timestamp', '@timestamp', 'level', 'severity', 'lvl', 'levelname', 'loglevel', 'facility', 'msg', 'message', 'host', 'hostname', 'tag', 'app', 'logger', 'name', 'pid', 'msgid'];

/** A JSON string literal for s, spelt the plain way or with every character past ASCII and '/' escaped. */
function literal(s: string, escapeAll: boolean): string {
  const plain = JSON.stringify(s);
  if (!escapeAll) return plain;
  return plain.replace(/[^\x20-\x7e]|\//g, (c) => (c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function write(v: unknown, ws: string, escapeAll: boolean): string {
  if (typeof v === 'string') return literal(v, escapeAll);
  if (Array.isArray(v)) return `[${ws}${v.map((x) => write(x, ws, escapeAll)).join(`,${ws}`)}${ws}]`;
  if (v !== null && typeof v === 'object') return `{${ws}${Object.entries(v).map(([k, x]) => `${literal(k, escapeAll)}${ws}:${ws}${write(x, ws, escapeAll)}`).join(`,${ws}`)}${ws}}`;
  return JSON.stringify(v);
}

/** The record text as a collector gets it: UTF-8 bytes decoded (so no lone surrogates survive). */
function received(text: string): string {
  return new TextDecoder().decode(Buffer.from(text, 'utf8'));
}

const key = fc.oneof(fc.constantFrom(...MAPPED, '__proto__', '0', '17', 'constructor'), fc.string({ unit: 'grapheme', maxLength: 8 }));
// Messages at and past SPLICE_MIN_CHARS take the copy; shorter ones are serialised as before.
const long = (unit: 'grapheme' | 'binary') => fc.string({ unit, minLength: SPLICE_MIN_CHARS - 2, maxLength: SPLICE_MIN_CHARS + 80 });
const value = fc.oneof(
  long('grapheme'),
  long('binary'),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('info', 'ERROR', 30, '2026-11-30T06:00:00.123+01:00', 1795743966.043641, 'app[42]:', ' leading space', 'tab\there', 'quote " and \\ back'),
  fc.jsonValue({ maxDepth: 2 }),
);
const members = fc.array(fc.tuple(key, value), { maxLength: 8 });

test('recordJson equals JSON.stringify for any decoded JSON object, however it was spelt', () => {
  fc.assert(
    fc.property(members, fc.constantFrom('', ' ', '\n\t'), fc.boolean(), (pairs, ws, escapeAll) => {
      const text = received(`{${ws}${pairs.map(([k, v]) => `${literal(k, escapeAll)}${ws}:${ws}${write(v, ws, escapeAll)}`).join(`,${ws}`)}${ws}}`);
      const rec = decodeJson(text, ctx);
      assert.ok(rec, text);
      assert.equal(stringifyRecord(rec, text), stringifyRecord(rec), text);
      // Marked numbers (json-numbers.ts) never reach recordJson; every other record must come out the same.
      if (stringifyRecord(rec) === JSON.stringify(rec)) assert.equal(recordJson(rec, text), JSON.stringify(rec), text);
    }),
    { numRuns: 3000 },
  );
});

test('recordJson: the cases that differ from a plain copy', () => {
  const cases = [
    // The message loses the space after a tag that ended in ':' (rsyslog's JSON template): not the sender's text.
    '{"tag":"kit-uxsock:","msg":" hello"}',
    // Repeated keys: JSON.parse keeps the last value.
    '{"a":"first","a":"second","msg":"one","msg":"two"}',
    // msg is not a string, so message is the second key; msg stays in fields.
    '{"msg":42,"message":"text"}',
    // Escapes a sender may write that JSON.stringify does not.
    '{"msg":"a\\/b \\u0041","path":"c:\\\\dir","q":"say \\"hi\\""}',
    // Strings inside nested values hold quotes and braces.
    '{"user":{"name":"x\\"}","tags":["{","]"]},"msg":"after nested"}',
    '{"__proto__":"p","0":"zero","msg":"m"}',
    '{ "msg" : "spaced" , "k" : "v" }',
  ];
  const pad = 'p'.repeat(SPLICE_MIN_CHARS);
  for (const short of cases) {
    // Every message at the copying length, and as written.
    for (const text of [short, short.replace(/"(msg|message)"(\s*):(\s*)"/g, `"$1"$2:$3"${pad}`)]) {
      const rec = decodeRecord(text, { ...ctx, format: 'auto' });
      assert.equal(recordJson(rec, text), JSON.stringify(rec), text);
    }
  }
});

test('lastPlainString finds the member JSON.parse keeps, and only a string without escapes', () => {
  const span = (text: string, key: string) => {
    const s = lastPlainString(text, key);
    return s && text.slice(s[0], s[1]);
  };
  assert.equal(span('{"msg":"a","msg":"b"}', 'msg'), '"b"');
  assert.equal(span('{"msg":"a","msg":1}', 'msg'), undefined);
  assert.equal(span('{"msg":"a\\n"}', 'msg'), undefined);
  assert.equal(span('{"x":{"msg":"inner"},"y":["msg"],"msg" : "top"}', 'msg'), '"top"');
  assert.equal(span('{"x":"\\"msg\\":\\"no\\"","msg":"yes"}', 'msg'), '"yes"');
  assert.equal(span('{"ms\\u0067":"escaped key"}', 'msg'), undefined);
  assert.equal(span('{"message":"m"}', 'msg'), undefined);
  assert.equal(span('{"msg":"unterminated', 'msg'), undefined);
});

test('recordJson copes with text JSON.parse refused (a text record) without throwing', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `{${s}`), (text) => {
      const t = received(text);
      const rec = decodeRecord(t, { ...ctx, format: 'auto' });
      assert.equal(stringifyRecord(rec, t), stringifyRecord(rec), t);
    }),
    { numRuns: 2000 },
  );
});

test('recordJson: a later member whose key is spelt with an escape (m\\u0073g) is the message JSON.parse keeps, not the plain one before it', () => {
  const a = 'A'.repeat(SPLICE_MIN_CHARS + 10);
  const b = 'B'.repeat(SPLICE_MIN_CHARS + 10);
  const text = `{"msg":"${a}","m\\u0073g":"${b}"}`;
  assert.equal((JSON.parse(text) as { msg: string }).msg, b);
  assert.equal(lastPlainString(text, 'msg'), undefined);
  const rec = decodeJson(text, ctx)!;
  assert.equal(rec.message, b);
  assert.equal(recordJson(rec, text), JSON.stringify(rec));
});
