// How the frames of one ZeroMQ message become records (InputConfig.framing, topicFrame), through the same
// processor the workers run: captured emitter messages and the edge cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadSamples } from '../../test/interop/samples.js';
import { processMessages } from './process-messages.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const sub = { id: 'sub', type: 'zmq-sub', topicFrame: true } as const;
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

test('a multi-frame PUSH message is one record per frame; no frame of it is a topic', () => {
  const m = loadSamples('python-pubhandler-and-push_json').filter((x) => x.sock === 'pull')[2];
  assert.equal(m.frames.length, 3);
  assert.equal(processMessages([m.frames], pull).records.length, 3);
  for (const pair of [[b('{"msg":"a"}'), b('{"msg":"b"}')], [b('<14>a'), b('<14>b')], [b('two words'), b('x')], [b('INFO'), b('x')]]) {
    const { records } = processMessages([pair], pull);
    assert.equal(records.length, 2, pair.map(String).join(' | '));
    assert.ok(records.every((r) => r.topic === undefined));
  }
});

test('on a SUB input every multi-frame message is [topic, body...] (ZeroMQ PUB/SUB), whatever the topic holds', () => {
  // PUBHandler: log.warning("text with a::b") puts "a b"-like subtopics with spaces into the topic frame.
  const spaced = processMessages([[b('INFO.a b'), b('text\n')], [b('WARNING.text with a'), b('WARNING x.py:3 - b\n')]], sub);
  assert.deepEqual(spaced.records.map((r) => [r.topic, r.severity, r.message]), [
    ['INFO.a b', 'info', 'text'], ['WARNING.text with a', 'warning', 'WARNING x.py:3 - b'],
  ]);
  for (const topic of ['a\nb', 't'.repeat(256), '{"json":1}', '<14>x', ' ', '\u00e4 \t']) {
    const { records } = processMessages([[b(topic), b('body')]], sub);
    assert.deepEqual(records.map((r) => [r.topic, r.message]), [[topic, 'body']], JSON.stringify(topic));
  }
  // A topic and several body frames: one record per body frame, each with the topic.
  assert.deepEqual(processMessages([[b('a'), b('b'), b('c')]], sub).records.map((r) => [r.topic, r.message]), [['a', 'b'], ['a', 'c']]);
  const emptyPayload = processMessages([[b('INFO'), b('')]], sub);
  assert.deepEqual([emptyPayload.records.length, emptyPayload.discards.empty], [0, 1]);
  // A single frame carries no topic frame.
  assert.deepEqual(processMessages([[b('INFO lone frame')]], sub).records.map((r) => [r.topic, r.message]), [[undefined, 'INFO lone frame']]);
  // topicFrame off: every frame is a record, as on PUSH.
  assert.equal(processMessages([[b('INFO'), b('x')]], { ...sub, topicFrame: false }).records.length, 2);
});

test('the envelope [topic, "", body...]: the empty delimiter frame is neither a record nor a discard', () => {
  const r = processMessages([[b('t'), b(''), b('hello')], [b('t'), b(''), b('<14>1 2026-11-29T10:00:00Z h app - - - hi')]], sub);
  assert.deepEqual(r.records.map((x) => [x.topic, x.message]), [['t', 'hello'], ['t', 'hi']]);
  assert.deepEqual(r.discards, {});
  const lines = processMessages([[b('t'), b(''), b('l1\nl2')]], { ...sub, framing: 'lines' });
  assert.deepEqual(lines.records.map((x) => [x.topic, x.message]), [['t', 'l1'], ['t', 'l2']]);
});

test('a topic glued to a syslog header is split when the SUB input subscribes to everything', () => {
  const glued = 'app.events<14>1 2026-11-29T10:00:00Z host app - - - hi';
  const all = processMessages([[b(glued)], [b('logs.<14>2026-11-27T01:33:33.573547+00:00 vm kit: hello')], [b('x<14>Nov 27 01:33:49 vm tag: m')]], sub);
  assert.deepEqual(all.records.map((r) => [r.topic, r.severity, r.host, r.app, r.message, r.flags]), [
    ['app.events', 'info', 'host', 'app', 'hi', undefined],
    ['logs.', 'info', 'vm', 'kit', 'hello', undefined],
    ['x', 'info', 'vm', 'tag', 'm', undefined],
  ]);
  // Neighbours that are not a topic and a record: free text with '<', a PRI with no header, whitespace before '<'.
  for (const text of ['a<1>b', 'x<14>not a header', 'see <14>1 2026-11-29T10:00:00Z h a - - - m', 'a<b>c', '<', 'x<', 'x<999>1 2026-11-29T10:00:00Z h a - - - m']) {
    const { records } = processMessages([[b(text)]], sub);
    assert.deepEqual(records.map((r) => [r.topic, r.message]), [[undefined, text]], text);
  }
  // A PULL input never splits one; neither does a SUB input that subscribes to named topics only (glued rule).
  assert.equal(processMessages([[b(glued)]], pull).records[0].topic, undefined);
  assert.equal(processMessages([[b(glued)]], { ...sub, topics: ['other.'] }).records[0].topic, undefined);
  assert.equal(processMessages([[b(glued)]], { ...sub, format: 'text' }).records[0].topic, undefined);
});

test('lines: split on \\n, CRLF trimmed, trailing empty piece ignored, empty lines and frames counted', () => {
  const r = processMessages([[b('{"msg":"1"}\n{"msg":"2"}\n'), b('x\r\ny'), b('\n\nz\n'), b('')]], { id: 'l', framing: 'lines' });
  assert.deepEqual(r.records.map((x) => x.message), ['1', '2', 'x', 'y', 'z']);
  assert.equal(r.discards.empty, 3);
  const topical = processMessages([[b('logs'), b('l1\nl2\n')]], { id: 'l', type: 'zmq-sub', framing: 'lines', topicFrame: true });
  assert.deepEqual(topical.records.map((x) => [x.topic, x.message]), [['logs', 'l1'], ['logs', 'l2']]);
});

test('message: frames joined into one record, even through a split UTF-8 sequence', () => {
  const u = b('äöü');
  const r = processMessages([[b('part one '), u.subarray(0, 1), u.subarray(1), b(' end')]], { id: 'm', framing: 'message' });
  assert.deepEqual(r.records.map((x) => [x.message, x.flags]), [['part one äöü end', undefined]]);
  assert.equal(processMessages([[b(''), b('')]], { id: 'm', framing: 'message' }).discards.empty, 1);
  const t = processMessages([[b('t'), b('one')]], { id: 'm', type: 'zmq-sub', framing: 'message', topicFrame: true });
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
