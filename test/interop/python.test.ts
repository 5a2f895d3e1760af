// Phase A: Python logging's PUBHandler and plain pyzmq PUSH (Debian python3-zmq, scripts in fixtures/) sending
// to zeromq.js sockets in this process; decoded by the collector's own ChunkProcessor.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { processMessages } from '../../collector/pipeline/process-messages.js';
import { bindPull, connectSub, decodeMessages, freePort, pyzmqMissing, waitUntil, type Child } from './harness.js';
import {
  PUBHANDLER_RECORDS, PUSH_JSON_RECORDS, PUSH_TEXT_EMPTY_FRAMES, PUSH_TEXT_MESSAGES, assertPubHandlerRecords, assertPushJsonRecords,
  assertPushTextRecords, hasMarker, startPubHandler, startPushJson, startPushText,
} from './python-emitter.js';
import { skipUnless } from '../helpers/requirement.js';

const skip = skipUnless(pyzmqMissing());

test('PUBHandler: levels, subtopic, root topic, multi-line, exception, NUL', { skip, timeout: 60_000 }, async (t) => {
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const run = `p${process.pid}`;
  const py = startPubHandler(endpoint, run);
  t.after(() => py.stop());
  const sub = connectSub(endpoint, ['']);
  t.after(() => sub.close());
  await waitUntil(() => sub.matching(`warm-up ${run}-w`).length > 0, 20_000, () => `no warm-up from PUBHandler; stderr: ${py.stderr.join('')}`);
  py.proc.stdin?.end('go\n');
  const ours = (): Buffer[][] => sub.messages.filter((m) => !m[1].includes('warm-up'));
  await waitUntil(() => ours().length >= PUBHANDLER_RECORDS, 20_000, () => `${ours().length}/${PUBHANDLER_RECORDS} records; stderr: ${py.stderr.join('')}`);
  assert.equal(await py.exit, 0, py.stderr.join(''));
  assert.ok(ours().every((m) => m.length === 2), 'PUBHandler sends [topic, message]');
  const records = decodeMessages(ours(), { input: 'py', type: 'zmq-sub', hostname: 'test-host' });
  assert.equal(records.length, PUBHANDLER_RECORDS);
  const n = assertPubHandlerRecords(records, run, 'test-host');
  t.diagnostic(`asserted ${n} PUBHandler records`);
});

/** Runs a PUSH fixture against a PULL in this process until its `messages` messages have arrived. */
async function runPushFixture(t: TestContext, start: (endpoint: string, run: string) => Child, run: string, messages: number) {
  const pull = await bindPull();
  t.after(() => pull.close());
  const from = Date.now();
  const py = start(pull.endpoint, run);
  t.after(() => py.stop());
  assert.equal(await py.exit, 0, py.stderr.join(''));
  await waitUntil(() => pull.messages.length >= messages, 10_000, () => `${pull.messages.length}/${messages} messages`);
  return { messages: pull.messages, pid: py.pid, from, to: Date.now() };
}

test('pyzmq PUSH JSON: single frames, extra frames, two short frames, "\\n"-joined', { skip, timeout: 60_000 }, async (t) => {
  const run = `j${process.pid}`;
  const { messages, pid, from, to } = await runPushFixture(t, startPushJson, run, 5 + 1 + 1 + 1);
  assert.deepEqual(messages.map((m) => m.length), [1, 1, 1, 1, 1, 3, 2, 1]);
  // `lines` framing covers all three shapes; on a PULL input two JSON frames are two records, never [topic, record].
  const records = decodeMessages(messages, { input: 'pull', type: 'zmq-pull', framing: 'lines', hostname: 'test-host' });
  const n = assertPushJsonRecords(records, run, pid, from, to);
  // `frame` framing: one record per frame; the joined frame stays one (text) record, nothing is lost.
  const perFrame = decodeMessages(messages, { input: 'pull', type: 'zmq-pull', framing: 'frame' });
  assert.equal(perFrame.length, 5 + 3 + 2 + 1);
  const joined = perFrame[perFrame.length - 1];
  assert.equal(joined.severity, undefined);
  assert.ok(hasMarker(joined.message, run, 10) && hasMarker(joined.message, run, 12));
  t.diagnostic(`asserted ${n} JSON records (+${perFrame.length} under frame framing)`);
  assert.equal(n, PUSH_JSON_RECORDS);
});

test('pyzmq PUSH plain text: kept byte for byte, one line end cut, host filled in', { skip, timeout: 60_000 }, async (t) => {
  const run = `x${process.pid}`;
  const { messages, from, to } = await runPushFixture(t, startPushText, run, PUSH_TEXT_MESSAGES);
  const records = decodeMessages(messages, { input: 'pull', type: 'zmq-pull', hostname: 'test-host' });
  const empties = processMessages(messages, { id: 'pull' }).discards.empty ?? 0;
  assert.equal(empties, PUSH_TEXT_EMPTY_FRAMES);
  const n = assertPushTextRecords(records, run, 'test-host', from, to);
  t.diagnostic(`asserted ${n} text records`);
});
