import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isoToUnixNanos, pushBody, pushBodyParsed, pushBodyScanned } from './push.js';
import type { LokiLabelField } from './schema.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('pushBody: streams grouped by the configured labels only; a label field is not repeated in the line', () => {
  const docs = [
    '{"ts":"2026-11-29T10:00:00.000001Z","input":"n","host":"h1","app":"a","message":"one","pid":"1"}',
    '{"ts":"2026-11-29T10:00:01Z","input":"n","host":"h1","app":"a","message":"two \\"q\\"","pid":"2"}',
    '{"ts":"2026-11-29T10:00:02Z","input":"n","host":"h2","message":"three","fields":{"app":"inner"}}',
    '{"ts":"2026-11-29T10:00:03Z","input":"n","host":"","app":7,"message":"four"}',
  ];
  const body = JSON.parse(pushBody(docs.map(enc), ['host', 'app'], { job: 'zlog' }).toString()) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
  assert.deepEqual(body.streams.map((s) => s.stream), [{ job: 'zlog', host: 'h1', app: 'a' }, { job: 'zlog', host: 'h2' }, { job: 'zlog' }]);
  assert.deepEqual(body.streams[0].values, [
    ['1795946400000001000', '{"ts":"2026-11-29T10:00:00.000001Z","input":"n","message":"one","pid":"1"}'],
    ['1795946401000000000', '{"ts":"2026-11-29T10:00:01Z","input":"n","message":"two \\"q\\"","pid":"2"}'],
  ]);
  // Only top-level fields that became labels leave the line; a nested one of the same name stays.
  assert.deepEqual(body.streams[1].values, [['1795946402000000000', '{"ts":"2026-11-29T10:00:02Z","input":"n","message":"three","fields":{"app":"inner"}}']]);
  // No label taken (empty or non-string values): the line is the record as written, byte for byte.
  assert.deepEqual(body.streams[2].values, [['1795946403000000000', docs[3]]]);
});

test('isoToUnixNanos keeps sub-millisecond digits and offsets; a bad time falls back to now', () => {
  assert.equal(isoToUnixNanos('1970-01-01T00:00:01.123456789Z'), '1123456789');
  assert.equal(isoToUnixNanos('1970-01-01T01:00:00.5+01:00'), '500000000');
  assert.equal(isoToUnixNanos('nonsense', () => 7), '7000000');
});

test('property: the scanned body equals the JSON.parse one (as JSON) for any record, with escapes, nesting, repeats and controls', () => {
  const str = fc.string({ unit: 'grapheme', maxLength: 12 });
  const key = fc.oneof(fc.constantFrom('ts', 'input', 'host', 'app', 'severity', 'job', 'message', 'fields'), str);
  const value = fc.oneof(str, fc.constantFrom('', 'a', 'h1', 'zlog'), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(str, str, { maxKeys: 3 }), fc.array(str, { maxLength: 3 }));
  const record = fc.array(fc.tuple(key, value), { maxLength: 8 }).map((members) => {
    // Built by hand so keys may repeat (JSON.stringify of an object never repeats one); whitespace and tabs
    // between tokens as a verbatim JSON input may have them.
    return '{' + members.map(([k, v], i) => `${i % 3 === 1 ? ' \t' : ''}${JSON.stringify(k)}:${i % 2 ? ' ' : ''}${JSON.stringify(v)}`).join(',') + '}';
  });
  fc.assert(
    fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), fc.constantFrom<LokiLabelField[]>(['host', 'app'], ['input', 'host', 'app', 'severity'], []), (texts, labels) => {
      const docs = texts.map(enc);
      const fast = JSON.parse(pushBody(docs, labels, { job: 'zlog' }).toString()) as { streams: { stream: unknown; values: [string, string][] }[] };
      const slow = JSON.parse(pushBodyParsed(docs, labels, { job: 'zlog' }).toString()) as typeof fast;
      assert.deepEqual(fast.streams.map((s) => s.stream), slow.streams.map((s) => s.stream));
      fast.streams.forEach((s, i) =>
        s.values.forEach(([ns, line], j) => {
          const [sns, sline] = slow.streams[i].values[j];
          // A time the record does not give is "now" on each call; otherwise the same nanoseconds.
          // (Only a string is a time: a number such as -17180 parses with Date.parse but is "now" too.)
          const ts = (JSON.parse(sline) as { ts?: unknown }).ts;
          if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) assert.ok(/^\d+$/.test(ns));
          else assert.equal(ns, sns);
          assert.deepEqual(JSON.parse(line), JSON.parse(sline));
        }),
      );
    }),
    { numRuns: 400 },
  );
});

test('pushBody escapes quotes, backslashes and control bytes of a line as JSON string escapes (RFC 8259 section 7)', () => {
  const doc = '{"message":"a\\"b\\\\c\\u0001",\t"x":1}';
  const body = pushBody([enc(doc)], [], {}).toString();
  assert.ok(body.includes('\\u0009'), body);
  const parsed = JSON.parse(body) as { streams: { values: [string, string][] }[] };
  assert.equal(parsed.streams[0].values[0][1], doc, 'a record with no label is sent as written');
});

test('property: a line is sent as the exact text of its record, long strings with escapes included (no label taken)', () => {
  // Strings past the 128 plain bytes after which the writer copies natively, with quotes, backslashes, controls
  // and non-ASCII text at any place, and whitespace between tokens.
  const long = fc.string({ unit: fc.constantFrom('x', 'y', '"', '\\', '\n', '\u0001', 'é', '😀', ' '), minLength: 20, maxLength: 300 });
  const value = fc.oneof(long, fc.integer(), fc.array(long, { maxLength: 2 }), fc.dictionary(long, long, { maxKeys: 2 }));
  const record = fc.array(fc.tuple(long, value), { maxLength: 4 }).map((members) => '{' + members.map(([k, v], i) => `${i % 2 ? ' \t' : ''}${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',') + '}');
  fc.assert(
    fc.property(record, (text) => {
      const body = JSON.parse(pushBody([enc(text)], [], {}).toString()) as { streams: { values: [string, string][] }[] };
      assert.equal(body.streams[0].values[0][1], text);
    }),
    { numRuns: 500 },
  );
});

test('pushBody: label values holding the signature separators (NUL, U+0001) do not put a record in another stream', () => {
  // Two records whose label values, joined with separators, read the same: {app: "a\0\u0001", host: "c"} and
  // {app: "a", host: "\u0001\0c"}. Each must be in the stream of its own values, as JSON.parse reads them.
  const docs = [enc('{"app":"a\\u0000\\u0001","host":"c","message":"one"}'), enc('{"app":"a","host":"\\u0001\\u0000c","message":"two"}')];
  const fast = JSON.parse(pushBody(docs, ['app', 'host'], {}).toString()) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
  const slow = JSON.parse(pushBodyParsed(docs, ['app', 'host'], {}).toString()) as typeof fast;
  assert.equal(slow.streams.length, 2);
  assert.deepEqual(fast.streams.map((s) => s.stream), slow.streams.map((s) => s.stream));
  assert.deepEqual(fast.streams.map((s) => s.values.map(([, l]) => JSON.parse(l) as unknown)), slow.streams.map((s) => s.values.map(([, l]) => JSON.parse(l) as unknown)));
});

test('pushBody: a record that goes the JSON.parse way keeps its own "__proto__" member in the line', () => {
  // The escaped key ("h\u006fst" is host) sends the record the JSON.parse way; host becomes a label.
  const doc = '{"h\\u006fst":"h1","__proto__":{"a":1},"message":"m"}';
  const body = JSON.parse(pushBody([enc(doc)], ['host'], {}).toString()) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
  assert.deepEqual(body.streams[0].stream, { host: 'h1' });
  const line = body.streams[0].values[0][1];
  assert.deepEqual(Object.entries(JSON.parse(line) as object), [['__proto__', { a: 1 }], ['message', 'm']], line);
});

test('property: records sharing a shape (all but the message) give byte for byte the body of scanning each one', () => {
  // The collector's lines of one input, sender and millisecond: the same bytes around the message. Messages with
  // quotes, backslashes, controls and non-ASCII text (escaped once in the record, twice in the line), some past
  // the 128 bytes after which the writer copies natively; members after the message, one with a long run of
  // numbers and tabs outside any string; and records whose message is followed by another member before the
  // same tail (`..."m","level":"t","routingId":"r"}` ends as `..."m","routingId":"r"}` does).
  const msg = fc.string({ unit: fc.constantFrom('x', 'y', '"', '\\', '\n', '\u0001', 'é', '😀', ' ', '/', 'x'), maxLength: 200 }).map((m) => (m.length % 3 === 0 ? 'x' : m));
  const head = fc.record({ ts: fc.constantFrom('2026-11-30T15:00:00.000Z', '2026-11-30T15:00:00.001Z', '2026-11-30T15:00:00.001500Z'), input: fc.constantFrom('native', 'pull'), host: fc.constantFrom('h1', ''), app: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }) });
  const numbers = '[' + Array.from({ length: 60 }, (_, i) => i).join(',\t') + ']';
  const tail = fc.constantFrom('', ',"routingId":"r1"', ',"clientKey":"k","routingId":"r2"', `,"n":${numbers}`, ',"fields":{"message":"inner"}');
  const record = fc.tuple(head, msg, fc.boolean(), tail).map(([h, m, flagged, t]) => {
    const app = h.app === undefined ? '' : `,"app":${JSON.stringify(h.app)}`;
    return `{"ts":${JSON.stringify(h.ts)},"input":${JSON.stringify(h.input)},"host":${JSON.stringify(h.host)}${app},"message":${JSON.stringify(m)}${flagged ? ',"level":"t"' : ''}${t}}`;
  });
  // Few heads and tails, so that most records share a shape with an earlier one.
  fc.assert(
    // A static label named `message` (its value decides whether the field stays in the line): no shapes then.
    fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), fc.constantFrom<LokiLabelField[]>(['input', 'host', 'app'], ['host'], []), fc.constantFrom<Record<string, string>[]>({ job: 'zlog' }, { message: 'x' }), (texts, labels, statics) => {
      const docs = texts.map(enc);
      const body = pushBody(docs, labels, statics);
      assert.equal(body.toString(), pushBodyScanned(docs, labels, statics).toString());
      const slow = JSON.parse(pushBodyParsed(docs, labels, statics).toString()) as { streams: { stream: unknown; values: [string, string][] }[] };
      const fast = JSON.parse(body.toString()) as typeof slow;
      assert.deepEqual(fast.streams.map((x) => x.stream), slow.streams.map((x) => x.stream));
      assert.deepEqual(fast.streams.map((x) => x.values.map(([, l]) => JSON.parse(l) as unknown)), slow.streams.map((x) => x.values.map(([, l]) => JSON.parse(l) as unknown)));
    }),
    { numRuns: 500 },
  );
});

test('pushBody: a record with the head and tail of a known shape but another member between is scanned, not taken as its message', () => {
  const a = '{"ts":"2026-11-30T15:00:00.000Z","input":"native","host":"h","message":"one","routingId":"r"}';
  const b = '{"ts":"2026-11-30T15:00:00.000Z","input":"native","host":"h","message":"two","level":"warn","routingId":"r"}';
  const c = '{"ts":"2026-11-30T15:00:00.000Z","input":"native","host":"h","message":"ends in \\\\","routingId":"r"}';
  const body = JSON.parse(pushBody([a, b, c].map(enc), ['input', 'host'], {}).toString()) as { streams: { values: [string, string][] }[] };
  assert.deepEqual(body.streams[0].values.map(([, l]) => JSON.parse(l) as unknown), [
    { ts: '2026-11-30T15:00:00.000Z', message: 'one', routingId: 'r' },
    { ts: '2026-11-30T15:00:00.000Z', message: 'two', level: 'warn', routingId: 'r' },
    { ts: '2026-11-30T15:00:00.000Z', message: 'ends in \\', routingId: 'r' },
  ]);
});
