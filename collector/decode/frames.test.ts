import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSamples } from '../../test/interop/samples.js';
import { framesToTexts } from './frames.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

test('PUBHandler [topic, message] is one record with a topic (captured)', () => {
  for (const m of loadSamples('python-pubhandler-and-push_json').filter((x) => x.sock === 'sub')) {
    const r = framesToTexts(m.frames, 'frame', true);
    assert.equal(r.topic, m.frames[0].toString());
    assert.deepEqual(r.texts, [m.frames[1].toString()]);
    assert.equal(r.skippedEmpty, 0);
    assert.equal(r.invalidUtf8, undefined);
  }
});

test('omczmq topicframe [topic, record] (captured)', () => {
  const got = loadSamples('rsyslog-omczmq-pub-topicframe').map((m) => framesToTexts(m.frames, 'frame', true));
  assert.deepEqual(got.map((r) => r.topic), ['syslog', 'audit', 'syslog', 'audit', 'syslog', 'audit']);
  assert.ok(got.every((r) => r.texts.length === 1 && r.texts[0].startsWith('<')));
});

test('a multi-frame JSON message is one record per frame, not topic + record (captured)', () => {
  const m = loadSamples('python-pubhandler-and-push_json').filter((x) => x.sock === 'pull')[2];
  assert.equal(m.frames.length, 3);
  const r = framesToTexts(m.frames, 'frame', true);
  assert.equal(r.topic, undefined);
  assert.equal(r.texts.length, 3);
  // two short JSON frames (≤ 255 bytes, no newline): a '{' never starts a topic
  const two = framesToTexts([b('{"msg":"a"}'), b('{"msg":"b"}')], 'frame', true);
  assert.equal(two.topic, undefined);
  assert.deepEqual(two.texts, ['{"msg":"a"}', '{"msg":"b"}']);
  const syslogPair = framesToTexts([b('<14>a'), b('<14>b')], 'frame', true);
  assert.equal(syslogPair.topic, undefined);
});

test('topic frame rules: only with topicFrame, 2 frames, short, no newline', () => {
  assert.equal(framesToTexts([b('INFO'), b('x')], 'frame', false).topic, undefined);
  assert.deepEqual(framesToTexts([b('INFO'), b('x')], 'frame', false).texts, ['INFO', 'x']);
  assert.equal(framesToTexts([b('a\nb'), b('x')], 'frame', true).topic, undefined);
  assert.equal(framesToTexts([b('t'.repeat(256)), b('x')], 'frame', true).topic, undefined);
  assert.equal(framesToTexts([b('t'.repeat(255)), b('x')], 'frame', true).topic, 't'.repeat(255));
  assert.equal(framesToTexts([b('a'), b('b'), b('c')], 'frame', true).topic, undefined);
  const emptyPayload = framesToTexts([b('INFO'), b('')], 'frame', true);
  assert.deepEqual(emptyPayload, { topic: 'INFO', texts: [], skippedEmpty: 1 });
});

test('lines: split on \\n, CRLF trimmed, trailing empty piece ignored, inner empty lines counted', () => {
  const r = framesToTexts([b('{"a":1}\n{"a":2}\n'), b('x\r\ny'), b('\n\nz\n'), b('')], 'lines', false);
  assert.deepEqual(r.texts, ['{"a":1}', '{"a":2}', 'x', 'y', 'z']);
  assert.equal(r.skippedEmpty, 3);
  const topical = framesToTexts([b('logs'), b('l1\nl2\n')], 'lines', true);
  assert.deepEqual(topical, { topic: 'logs', texts: ['l1', 'l2'], skippedEmpty: 0 });
});

test('message: frames concatenated into one record, even through a split UTF-8 sequence', () => {
  const u = b('äöü');
  const r = framesToTexts([b('part one '), u.subarray(0, 1), u.subarray(1), b(' end')], 'message', false);
  assert.deepEqual(r, { texts: ['part one äöü end'], skippedEmpty: 0 });
  assert.deepEqual(framesToTexts([b(''), b('')], 'message', false), { texts: [], skippedEmpty: 1 });
  assert.deepEqual(framesToTexts([b('t'), b('one')], 'message', true), { topic: 't', texts: ['one'], skippedEmpty: 0 });
});

test('frame: empty frames are counted, not turned into records', () => {
  const r = framesToTexts([b(''), b('a'), b(''), b('b')], 'frame', false);
  assert.deepEqual(r, { texts: ['a', 'b'], skippedEmpty: 2 });
});

test('invalid UTF-8 is replaced and reported per text; a real U+FFFD is not', () => {
  const bad = Buffer.from([0x61, 0xff, 0x62]);
  const r = framesToTexts([b('ok'), bad, b('sender wrote \uFFFD')], 'frame', false);
  assert.deepEqual(r.texts, ['ok', 'a\uFFFDb', 'sender wrote \uFFFD']);
  assert.deepEqual(r.invalidUtf8, [1]);
  const lines = framesToTexts([Buffer.concat([b('fine\n'), bad, b('\nalso fine')])], 'lines', false);
  assert.deepEqual(lines.invalidUtf8, [1]);
  assert.equal(lines.texts.length, 3);
});

test('NUL bytes are kept, never cut', () => {
  const r = framesToTexts([Buffer.from('a\0b\0', 'utf8')], 'frame', false);
  assert.deepEqual(r.texts, ['a\u0000b\u0000']);
  assert.equal(r.texts[0].length, 4);
});
