// How the frames of one ZeroMQ message become records (InputConfig.framing, topicFrame), through the same
// processor the workers run: captured emitter messages and the edge cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadSamples } from '../../test/interop/samples.js';
import { processMessages } from './process-messages.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const sub = { id: 'sub', topicFrame: true } as const;
const pull = { id: 'pull' } as const;

test('PUBHandler [topic, message] is one record with a topic (captured)', () => {
  const msgs = loadSamples('python-pubhandler-and-push_json').filter((x) => x.sock === 'sub');
  const { records, discards } = processMessages(msgs.map((m) => m.frames), sub);
  assert.equal(records.length, msgs.length);
  records.forEach((r, i) => assert.equal(r.topic, msgs[i].frames[0].toString()));
  assert.deepEqual(discards, {});
});

test('omczmq topicframe [topic, record] (captured)', () => {
  const { records } = processMessages(loadSamples('rsyslog-omczmq-pub-topicframe').map((m) => m.frames), sub);
  assert.deepEqual(records.map((r) => r.topic), ['syslog', 'audit', 'syslog', 'audit', 'syslog', 'audit']);
  assert.ok(records.every((r) => r.severity !== undefined), 'each record is the syslog text, parsed');
});

test('a multi-frame PUSH message is one record per frame; a JSON or syslog first frame is never a topic', () => {
  const m = loadSamples('python-pubhandler-and-push_json').filter((x) => x.sock === 'pull')[2];
  assert.equal(m.frames.length, 3);
  assert.equal(processMessages([m.frames], pull).records.length, 3);
  for (const pair of [[b('{"msg":"a"}'), b('{"msg":"b"}')], [b('<14>a'), b('<14>b')], [b('two words'), b('x')]]) {
    const { records } = processMessages([pair], sub);
    assert.equal(records.length, 2, pair.map(String).join(' | '));
    assert.ok(records.every((r) => r.topic === undefined));
  }
});

test('topic frame rules: only with topicFrame, 2 frames, 1..255 bytes, no whitespace', () => {
  assert.deepEqual(processMessages([[b('INFO'), b('x')]], pull).records.map((r) => r.message), ['INFO', 'x']);
  assert.equal(processMessages([[b('a\nb'), b('x')]], sub).records.length, 2);
  assert.equal(processMessages([[b('t'.repeat(256)), b('x')]], sub).records.length, 2);
  assert.equal(processMessages([[b('t'.repeat(255)), b('x')]], sub).records[0].topic, 't'.repeat(255));
  assert.equal(processMessages([[b('a'), b('b'), b('c')]], sub).records.length, 3);
  const emptyPayload = processMessages([[b('INFO'), b('')]], sub);
  assert.deepEqual([emptyPayload.records.length, emptyPayload.discards.empty], [0, 1]);
});

test('lines: split on \\n, CRLF trimmed, trailing empty piece ignored, empty lines and frames counted', () => {
  const r = processMessages([[b('{"msg":"1"}\n{"msg":"2"}\n'), b('x\r\ny'), b('\n\nz\n'), b('')]], { id: 'l', framing: 'lines' });
  assert.deepEqual(r.records.map((x) => x.message), ['1', '2', 'x', 'y', 'z']);
  assert.equal(r.discards.empty, 3);
  const topical = processMessages([[b('logs'), b('l1\nl2\n')]], { id: 'l', framing: 'lines', topicFrame: true });
  assert.deepEqual(topical.records.map((x) => [x.topic, x.message]), [['logs', 'l1'], ['logs', 'l2']]);
});

test('message: frames joined into one record, even through a split UTF-8 sequence', () => {
  const u = b('äöü');
  const r = processMessages([[b('part one '), u.subarray(0, 1), u.subarray(1), b(' end')]], { id: 'm', framing: 'message' });
  assert.deepEqual(r.records.map((x) => [x.message, x.flags]), [['part one äöü end', undefined]]);
  assert.equal(processMessages([[b(''), b('')]], { id: 'm', framing: 'message' }).discards.empty, 1);
  const t = processMessages([[b('t'), b('one')]], { id: 'm', framing: 'message', topicFrame: true });
  assert.deepEqual(t.records.map((x) => [x.topic, x.message]), [['t', 'one']]);
});

test('invalid UTF-8 is replaced and flagged per record; a real U+FFFD is not flagged', () => {
  const bad = Buffer.from([0x61, 0xff, 0x62]);
  const r = processMessages([[b('ok'), bad, b('sender wrote \uFFFD')]], pull);
  assert.deepEqual(r.records.map((x) => [x.message, x.flags]), [['ok', undefined], ['a\uFFFDb', ['invalid_utf8']], ['sender wrote \uFFFD', undefined]]);
  const lines = processMessages([[Buffer.concat([b('fine\n'), bad, b('\nalso fine')])]], { id: 'l', framing: 'lines' });
  assert.deepEqual(lines.records.map((x) => x.flags), [undefined, ['invalid_utf8'], undefined]);
});

test('NUL bytes are kept, never cut', () => {
  assert.equal(processMessages([[Buffer.from('a\0b\0', 'utf8')]], pull).records[0].message, 'a\u0000b\u0000');
});

test('every framing keeps every non-empty piece of text (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 5 }), (parts) => {
      // Pieces that look like JSON or syslog are decoded, not kept verbatim: keep this about framing.
      fc.pre(parts.every((p) => !/^\s*[{<]/.test(p) && !/\n[{<]/.test(p)));
      const frames = parts.map((p) => Buffer.from(p, 'utf8'));
      const strip = (s: string) => s.replace(/\r?\n$/, '');
      const perFrame = processMessages([frames], pull);
      assert.deepEqual(perFrame.records.map((r) => r.message), parts.map(strip).filter((p) => p !== ''));
      const whole = processMessages([frames], { id: 'm', framing: 'message' });
      const joined = strip(parts.join(''));
      assert.deepEqual(whole.records.map((r) => r.message), frames.length > 1 || joined !== '' ? (joined === '' ? [] : [joined]) : []);
      const lines = processMessages([frames], { id: 'l', framing: 'lines' });
      assert.deepEqual(lines.records.map((r) => r.message), parts.flatMap((p) => p.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '')));
    }),
    { numRuns: 500 },
  );
});
