import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSamples } from '../../test/interop/samples.js';
import { decodeJson, jsonTimeToIso } from './json.js';
import { processMessages } from '../pipeline/process-messages.js';

const recv = '2026-11-27T01:50:00.000Z';
const ctx = { input: 'in', receivedAt: recv };

test('rsyslog JSON template (omczmq PUSH, captured): tag colon and the added space go', () => {
  const recs = loadSamples('rsyslog-omczmq-push-json').map((m) => decodeJson(m.frames[0].toString(), ctx));
  assert.deepEqual(recs[1], {
    ts: '2026-11-27T01:45:15.828521Z', input: 'in', message: 'hello from logger via imuxsock', host: 'vm',
    severity: 'info', facility: 'user', app: 'kit-uxsock',
  });
  assert.equal(recs[0]?.severity, 'notice');
  assert.equal(recs[2]?.facility, 'local0');
  assert.equal(recs[2]?.severity, 'err');
  assert.equal(recs[2]?.message, 'error line with UTF-8 äöü and "quotes"');
  // tag without colon (RFC 5424 input): msg has no added space, nothing to strip
  assert.equal(recs[3]?.app, 'kit-tcp');
  assert.equal(recs[3]?.severity, 'warning');
  assert.equal(recs[3]?.message, 'hello via imtcp (RFC5424 from logger)');
});

test('pyzmq PUSH JSON lines (captured): epoch seconds, level names, extra keys in fields', () => {
  const msgs = loadSamples('python-pubhandler-and-push_json').filter((m) => m.sock === 'pull');
  const recs = msgs.flatMap((m) => m.frames.map((f) => decodeJson(f.toString(), ctx)));
  assert.equal(recs.length, 5);
  assert.deepEqual(recs[0], {
    ts: '2026-11-27T01:46:06.043641Z', input: 'in', message: 'json line 0 äöü', severity: 'debug', host: 'vm',
    pid: '20923', fields: { seq: 0 },
  });
  assert.deepEqual(recs.map((r) => r?.severity), ['debug', 'info', 'debug', 'info', 'warning']);
  assert.deepEqual(recs.map((r) => r?.fields?.['seq']), [0, 1, 0, 1, 2]);
});

test('pino records', () => {
  const r = decodeJson('{"level":50,"time":1795743966043,"pid":7,"hostname":"h","name":"api","msg":"boom","req":{"id":1}}', ctx);
  assert.deepEqual(r, {
    ts: '2026-11-27T01:46:06.043Z', input: 'in', message: 'boom', severity: 'err', pid: '7', host: 'h', app: 'api',
    fields: { req: { id: 1 } },
  });
});

test('Python JSON formatter names and other spellings', () => {
  const r = decodeJson('{"@timestamp":"2026-11-27 01:33:49,123","levelname":"WARNING","logger":"app.db","message":"slow","hostname":"h2"}', ctx);
  assert.equal(r?.ts, '2026-11-27T01:33:49.123Z');
  assert.equal(r?.severity, 'warning');
  assert.equal(r?.app, 'app.db');
  assert.equal(r?.message, 'slow');
  assert.equal(r?.host, 'h2');
  assert.equal(r?.fields, undefined);
  const tag = decodeJson('{"tag":"sshd[99]:","msg":" in","lvl":"crit","timestamp":"1795743966"}', ctx);
  assert.equal(tag?.app, 'sshd');
  assert.equal(tag?.pid, '99');
  assert.equal(tag?.message, 'in');
  assert.equal(tag?.severity, 'crit');
  assert.equal(tag?.ts, '2026-11-27T01:46:06.000Z');
});

test('values that cannot be used stay in fields; first usable key of a kind wins', () => {
  const r = decodeJson('{"time":"last tuesday","ts":1795743966,"level":"loud","severity":"info","msg":{"o":1},"message":"text","message2":"m","pid":1.5}', { ...ctx, hostname: 'pod' });
  assert.deepEqual(r, {
    ts: '2026-11-27T01:46:06.000Z', input: 'in', message: 'text', severity: 'info', host: 'pod',
    fields: { time: 'last tuesday', level: 'loud', msg: { o: 1 }, message2: 'm', pid: 1.5 },
  });
  const noMsg = decodeJson('{"a":1}', ctx);
  assert.deepEqual(noMsg, { ts: recv, input: 'in', message: '', fields: { a: 1 } });
});

test('not a JSON object: undefined, so the caller falls back to text', () => {
  for (const t of ['', '{', '[1,2]', '"s"', '42', 'null', '{"a":1} trailing']) assert.equal(decodeJson(t, ctx), undefined, t);
});

test('a "__proto__" key is kept as data, not as a prototype', () => {
  const r = decodeJson('{"msg":"m","__proto__":{"polluted":true}}', ctx);
  assert.equal(Object.getPrototypeOf(r?.fields), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(r?.fields, '__proto__')?.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('jsonTimeToIso', () => {
  assert.equal(jsonTimeToIso('2026-11-27T01:45:15.828521+00:00'), '2026-11-27T01:45:15.828521Z');
  assert.equal(jsonTimeToIso(1795743966043), '2026-11-27T01:46:06.043Z');
  assert.equal(jsonTimeToIso(''), undefined);
  assert.equal(jsonTimeToIso(null), undefined);
});

test('JSON numbers beyond 2^53 are written exactly as sent (64-bit ids, nanosecond epochs)', () => {
  const { lines, records } = processMessages([[Buffer.from('{"id":3791411052119578828,"neg":-9223372036854775808,"small":42,"f":1.5,"nested":{"a":[18446744073709551615,1]},"msg":"x"}')]], { id: 'p' });
  assert.match(lines[0], /"id":3791411052119578828,/);
  assert.match(lines[0], /"neg":-9223372036854775808,/);
  assert.match(lines[0], /"nested":\{"a":\[18446744073709551615,1\]\}/);
  assert.deepEqual([records[0].message, records[0].flags], ['x', undefined]);
  // Digits in strings are strings; a number where a string is expected stays a number in fields.
  const s = processMessages([[Buffer.from('{"id":"3791411052119578828","msg":12345678901234567890,"host":98765432109876543210}')]], { id: 'p' });
  assert.match(s.lines[0], /"message":"",/);
  assert.match(s.lines[0], /"fields":\{"id":"3791411052119578828","msg":12345678901234567890,"host":98765432109876543210\}/);
  // A float with more digits than a double holds is kept too; one it holds is written as JavaScript would.
  assert.match(processMessages([[Buffer.from('{"v":0.12345678901234567890,"w":1e400,"u":1234567890123456}')]], { id: 'p' }).lines[0], /"v":0.12345678901234567890,"w":1e400,"u":1234567890123456\}/);
  // A nanosecond epoch as ts: exact to the microsecond, pid from a big number as its digits.
  const ns = processMessages([[Buffer.from('{"ts":1795743966043641999,"pid":36893488147419103232,"msg":"n"}')]], { id: 'p' });
  assert.deepEqual([ns.records[0].ts, ns.records[0].pid], ['2026-11-27T01:46:06.043641Z', '36893488147419103232']);
  // A sender cannot forge the marker: a string starting with NUL stays a string.
  const forged = processMessages([[Buffer.from('{"a":"\\u0000zlog-number-0000000000000000:1","b":12345678901234567890}')]], { id: 'p' });
  assert.match(forged.lines[0], /"a":"\\u0000zlog-number-0000000000000000:1"/);
});

test('JSON times that name no real day are never written as ts', () => {
  // An epoch past the last day a Date can hold threw a RangeError out of the decoder (found by json-line's property test).
  for (const t of ['"2026-02-30T10:00:00Z"', '"2026-02-29T10:00:00.5+01:00"', '"2026-04-31 00:00:00"', '"yesterday"', '8.640000000001e+21', '1e30']) {
    const r = decodeJson(`{"time":${t},"msg":"m"}`, ctx);
    assert.deepEqual([r?.ts, r?.flags, r?.fields], [ctx.receivedAt, ['invalid_timestamp'], { time: JSON.parse(t) }], t);
  }
  // A later key that holds a real time wins and nothing is flagged.
  const two = decodeJson('{"time":"2026-02-30T10:00:00Z","ts":"2024-02-29T10:00:00Z"}', ctx);
  assert.deepEqual([two?.ts, two?.flags], ['2024-02-29T10:00:00Z', undefined]);
});
