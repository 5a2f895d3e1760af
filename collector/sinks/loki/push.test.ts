import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoToUnixNanos, pushBody } from './push.js';

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
