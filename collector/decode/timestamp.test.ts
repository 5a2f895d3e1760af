import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochToIso, rfc3164ToIso, rfc3339ToIso } from './timestamp.js';

test('RFC 3339 from rsyslog keeps its microseconds and becomes UTC Z', () => {
  assert.equal(rfc3339ToIso('2026-11-27T01:33:33.573547+00:00'), '2026-11-27T01:33:33.573547Z');
  assert.equal(rfc3339ToIso('2026-11-27T01:33:33Z'), '2026-11-27T01:33:33Z');
  assert.equal(rfc3339ToIso('2026-11-27T03:33:33.5+02:00'), '2026-11-27T01:33:33.5Z');
  assert.equal(rfc3339ToIso('2026-11-26T23:03:33.123-02:30'), '2026-11-27T01:33:33.123Z');
  assert.equal(rfc3339ToIso('2026-01-01T00:30:00+0100'), '2025-12-31T23:30:00Z');
});

test('RFC 3339 variants JSON loggers write: space, comma fraction, no zone, no seconds', () => {
  assert.equal(rfc3339ToIso('2026-11-27 01:33:49,123'), '2026-11-27T01:33:49.123Z');
  assert.equal(rfc3339ToIso('2026-11-27t01:33:49z'), '2026-11-27T01:33:49Z');
  assert.equal(rfc3339ToIso('2026-11-27T01:33'), '2026-11-27T01:33:00Z');
});

test('RFC 3339: invalid texts are refused', () => {
  for (const bad of ['', 'yesterday', '2026-13-27T01:33:33Z', '2026-11-27T25:00:00Z', '2026-11-27T01:33:33+5',
    '2026-11-27T01:33:33Zjunk', '2026-11-27T01:33:33.Z', '2026/11/27T01:33:33Z']) {
    assert.equal(rfc3339ToIso(bad), undefined, bad);
  }
  // slice of a larger text
  const text = '<14>2026-11-27T01:33:33.573547+00:00 vm';
  assert.equal(rfc3339ToIso(text, 4, text.indexOf(' ')), '2026-11-27T01:33:33.573547Z');
});

test('epoch numbers in seconds, milliseconds, microseconds, nanoseconds', () => {
  assert.equal(epochToIso(1795743966.043641), '2026-11-27T01:46:06.043641Z'); // Python time.time() (sample)
  assert.equal(epochToIso(1795743966043), '2026-11-27T01:46:06.043Z'); // pino
  assert.equal(epochToIso(1795743966043641), '2026-11-27T01:46:06.043641Z');
  assert.equal(epochToIso(1795743966043641000), '2026-11-27T01:46:06.043641Z');
  assert.equal(epochToIso(1795743966), '2026-11-27T01:46:06.000Z');
  assert.equal(epochToIso(-1), undefined);
  assert.equal(epochToIso(Number.NaN), undefined);
  // Past the last date a Date can hold (8.64e15 ms): no time, where toISOString threw a RangeError.
  assert.equal(epochToIso(8.640000000001e21), undefined);
  assert.equal(epochToIso(1e30), undefined);
});

test('RFC 3164: the year is the one nearest the receive time', () => {
  const ts = (s: string, recv: string): string | undefined => rfc3164ToIso(s, 0, s.length, recv);
  assert.equal(ts('Nov 27 01:45:32', '2026-11-27T01:45:32.101Z'), '2026-11-27T01:45:32Z');
  assert.equal(ts('Dec 31 23:59:59', '2027-01-01T00:00:01Z'), '2026-12-31T23:59:59Z');
  assert.equal(ts('Jan  1 00:00:01', '2026-12-31T23:59:59Z'), '2027-01-01T00:00:01Z');
  assert.equal(ts('Jan 01 00:00:01.250', '2027-01-01T00:00:02Z'), '2027-01-01T00:00:01.250Z');
  assert.equal(ts('Foo 27 01:45:32', '2026-11-27T01:45:32Z'), undefined);
  assert.equal(ts('Nov 27 1:45:32x', '2026-11-27T01:45:32Z'), undefined);
  assert.equal(ts('Nov 27 01:45:32.', '2026-11-27T01:45:32Z'), undefined);
});
