import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogRecord } from '../record.js';
import { loadSamples, type SampleName } from '../../test/interop/samples.js';
import { processMessages } from '../pipeline/process-messages.js';
import { decodeRecord, splitGluedTopic } from './record.js';

const recv = '2026-11-27T01:50:00.000Z';

/** Each captured message as the collector's processor turns it into records (SUB captures through a SUB input). */
function decodeSample(name: SampleName): LogRecord[] {
  return loadSamples(name).flatMap((m) => processMessages([m.frames], { id: m.sock, type: m.sock === 'sub' ? 'zmq-sub' : 'zmq-pull', topicFrame: m.sock === 'sub' }, { hostname: 'pod', receivedAt: Date.parse(m.t) }).records);
}

test('every captured rsyslog message decodes with PRI severity/facility, host, tag', () => {
  const push = decodeSample('rsyslog-omczmq-push-default');
  const json = decodeSample('rsyslog-omczmq-push-json');
  const pub = decodeSample('rsyslog-omczmq-pub-topicframe');
  const pick = (r: LogRecord): unknown[] => [r.severity, r.facility, r.host, r.app, r.message];
  const want = [
    ['notice', 'user', 'vm', 'kit-warmup', 'warm-up (lost on PUB variants)'],
    ['info', 'user', 'vm', 'kit-uxsock', 'hello from logger via imuxsock'],
    ['err', 'local0', 'vm', 'kit-uxsock', 'error line with UTF-8 äöü and "quotes"'],
    ['warning', 'user', 'vm', 'kit-tcp', 'hello via imtcp (RFC5424 from logger)'],
  ];
  assert.deepEqual(push.map(pick), want);
  assert.deepEqual(json.map(pick), want);
  assert.deepEqual(pub.map(pick), [want[1], want[1], want[2], want[2], want[3], want[3]]);
  assert.deepEqual(pub.map((r) => r.topic), ['syslog', 'audit', 'syslog', 'audit', 'syslog', 'audit']);
  assert.equal(push[1].ts, '2026-11-27T01:45:07.689850Z');
  assert.equal(json[1].ts, '2026-11-27T01:45:15.828521Z');
  assert.equal(pub[0].ts, '2026-11-27T01:45:32Z');
  assert.ok([...push, ...json, ...pub].every((r) => r.flags === undefined && r.fields === undefined));
});

test('every captured Python message decodes (PUBHandler and PUSH JSON)', () => {
  const recs = decodeSample('python-pubhandler-and-push_json');
  assert.equal(recs.length, 8 + 5);
  const sub = recs.filter((r) => r.input === 'sub');
  assert.deepEqual(sub.map((r) => [r.topic, r.severity]), [
    ['DEBUG', 'debug'], ['INFO', 'info'], ['WARNING', 'warning'], ['ERROR', 'err'], ['ERROR', 'err'],
    ['CRITICAL', 'crit'], ['INFO.db.query', 'info'], ['INFO', 'info'],
  ]);
  assert.equal(sub[0].message, 'DEBUG log_pubhandler.py:43 - debug message 0');
  assert.equal(sub[1].message, 'info message with UTF-8 äöü and "quotes"');
  assert.equal(sub[7].message, 'multi\nline message');
  assert.ok(sub[4].message.endsWith('ZeroDivisionError: division by zero'));
  assert.ok(sub.every((r) => r.host === 'pod' && r.ts.startsWith('2026-11-27T01:46:05.')));
  const pull = recs.filter((r) => r.input === 'pull');
  assert.deepEqual(pull.map((r) => r.message), ['json line 0 äöü', 'json line 1 äöü', 'json line 0 äöü', 'json line 1 äöü', 'json line 2 äöü']);
  assert.deepEqual(pull.map((r) => r.host), ['vm', 'vm', 'vm', 'vm', 'vm']);
  assert.equal(pull[4].pid, '20927');
});

test('glued topic (omczmq topics="logs." without topicframe)', () => {
  const text = 'logs.<14>2026-11-27T01:33:33.573547+00:00 vm kit-uxsock: hello';
  const r = decodeRecord(text, { input: 'sub', format: 'auto', receivedAt: recv, topics: ['', 'lo', 'logs.'] });
  assert.equal(r.topic, 'logs.');
  assert.equal(r.severity, 'info');
  assert.equal(r.app, 'kit-uxsock');
  assert.equal(r.message, 'hello');
  const json = decodeRecord('logs.{"msg":"m"}\n', { input: 'sub', format: 'auto', receivedAt: recv, topics: ['logs.'] });
  assert.equal(json.topic, 'logs.');
  assert.equal(json.message, 'm');
  // a topic frame, when present, wins: no second split
  const framed = decodeRecord('logs.<14>x: y', { input: 'sub', format: 'auto', receivedAt: recv, topic: 't', topics: ['logs.'] });
  assert.equal(framed.topic, 't');
});

test('splitGluedTopic only splits in front of a record', () => {
  assert.deepEqual(splitGluedTopic('logs.<14>x', ['logs.']), { topic: 'logs.', text: '<14>x' });
  assert.equal(splitGluedTopic('application started', ['app']), undefined);
  assert.equal(splitGluedTopic('app<html>', ['app']), undefined);
  assert.equal(splitGluedTopic('<14>x', ['']), undefined);
  assert.deepEqual(splitGluedTopic('ab{"a":1}', ['a', 'ab']), { topic: 'ab', text: '{"a":1}' });
});

test('auto falls back to text; forced formats flag what they could not parse', () => {
  const base = { input: 'i', receivedAt: recv, hostname: 'pod' };
  assert.deepEqual(decodeRecord('just words\n', { ...base, format: 'auto' }), { ts: recv, input: 'i', message: 'just words', host: 'pod' });
  assert.deepEqual(decodeRecord('{not json', { ...base, format: 'auto' }), { ts: recv, input: 'i', message: '{not json', host: 'pod' });
  assert.deepEqual(decodeRecord('<html>', { ...base, format: 'auto' }).message, '<html>');
  assert.deepEqual(decodeRecord('words', { ...base, format: 'json' }).flags, ['invalid_json']);
  assert.deepEqual(decodeRecord('words', { ...base, format: 'syslog' }).flags, ['invalid_syslog']);
  const asText = decodeRecord('<14>Nov 27 01:33:49 vm tag: m', { ...base, format: 'text' });
  assert.equal(asText.message, '<14>Nov 27 01:33:49 vm tag: m');
  assert.equal(asText.severity, undefined);
  assert.equal(decodeRecord('{"msg":"m"}', { ...base, format: 'json' }).message, 'm');
});

test('one trailing newline is cut, inner ones and NUL bytes stay; invalid UTF-8 is flagged', () => {
  const base = { input: 'i', receivedAt: recv, format: 'auto' as const };
  assert.equal(decodeRecord('a\nb\n\n', base).message, 'a\nb\n');
  assert.equal(decodeRecord('a\r\n', base).message, 'a');
  assert.equal(decodeRecord('a\0b', base).message, 'a\0b');
  assert.equal(decodeRecord('<14>1 - vm app - - - line one\nline two\n', base).message, 'line one\nline two');
  assert.deepEqual(decodeRecord('a\uFFFDb', { ...base, invalidUtf8: true }).flags, ['invalid_utf8']);
  assert.deepEqual(decodeRecord('x', { ...base, format: 'json', invalidUtf8: true }).flags, ['invalid_json', 'invalid_utf8']);
});

test('JSON sent through PUBHandler (a JSON formatter): its own level wins, the topic fills a gap', () => {
  const base = { input: 'i', receivedAt: recv, format: 'auto' as const };
  assert.equal(decodeRecord('{"level":"debug","msg":"m"}', { ...base, topic: 'app.ERROR' }).severity, 'debug');
  assert.equal(decodeRecord('{"msg":"m"}', { ...base, topic: 'app.ERROR' }).severity, 'err');
  assert.equal(decodeRecord('{"msg":"m"}', { ...base, topic: 'app.ERROR' }).topic, 'app.ERROR');
});
