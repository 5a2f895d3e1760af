// Phase B: the same real emitters, unchanged, sending to the real collector (`zlog start`, a child process);
// the records are read back from its NDJSON file sink. Decoding, framing, topic handling and the fast paths of
// the pipeline are all exercised the way a deployment uses them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { LogRecord } from '../../collector/record.js';
import { cleanup, startCollector, type CollectorProcess } from '../helpers/collector-process.js';
import { connectTcp, freePort, pyzmqMissing, removeDir, rsyslogMissing, startRsyslog, tempDir, waitUntil, writeLines } from './harness.js';
import {
  PUBHANDLER_RECORDS, PUSH_JSON_RECORDS, PUSH_TEXT_EMPTY_FRAMES, PUSH_TEXT_RECORDS, assertPubHandlerRecords, assertPushJsonRecords,
  assertPushTextRecords, startPubHandler, startPushJson, startPushText,
} from './python-emitter.js';
import { VARIANTS, assertRsyslogRecord, expectedRecords, rsyslogConfig, warmUp } from './rsyslog-emitter.js';
import { skipUnless } from '../helpers/requirement.js';

const HOST = 'interop-host';

function recordsOf(c: CollectorProcess): LogRecord[] {
  return c.records() as unknown as LogRecord[];
}

test('rsyslog omczmq -> collector: every variant lands with severity, facility, host, tag, topic, text', { skip: skipUnless(rsyslogMissing()), timeout: 90_000 }, async (t) => {
  const dir = tempDir('rsyslog-collector');
  t.after(() => removeDir(dir));
  const pubPorts: Record<string, number> = {};
  for (const v of VARIANTS) if (v.socktype === 'PUB') pubPorts[v.id] = await freePort();
  // Input ids are the variant ids, so each record says which omczmq action sent it.
  const inputs = VARIANTS.map((v) =>
    v.socktype === 'PUSH'
      ? { id: v.id, type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] }
      : { id: v.id, type: 'zmq-sub', connect: [`tcp://127.0.0.1:${pubPorts[v.id]}`], topics: v.subscribe ?? [''] },
  );
  let collector: CollectorProcess | undefined;
  t.after(() => cleanup(collector));
  collector = await startCollector({
    inputs, hostname: HOST, pipeline: { ackMode: 'received' },
    sinks: [{ id: 'file', type: 'file', path: join(dir, 'out'), fsync: 'batch' }],
  }, { dir });
  const c = collector;
  const endpoints: Record<string, string> = {};
  for (const v of VARIANTS) endpoints[v.id] = v.socktype === 'PUSH' ? c.endpoints[v.id][0] : `tcp://127.0.0.1:${pubPorts[v.id]}`;

  const tcpPort = await freePort();
  const rsyslog = startRsyslog(dir, rsyslogConfig(dir, tcpPort, endpoints));
  t.after(() => rsyslog.stop());
  const tcp = await connectTcp(tcpPort, 15_000);
  t.after(() => tcp.destroy());
  const run = `c${process.pid}`;
  await warmUp(tcp, run, () => {
    const seen = new Set(recordsOf(c).filter((r) => r.message.includes(`warm-up ${run}-w`)).map((r) => r.input));
    return VARIANTS.map((v) => v.id).filter((id) => !seen.has(id));
  }, () => rsyslog.stderr.join('') + c.logs.join('\n'));

  const expected = expectedRecords(run);
  await writeLines(tcp, expected.map((e) => e.line));
  const ours = (): LogRecord[] => recordsOf(c).filter((r) => r.message.includes(run + '#'));
  const total = expected.length * VARIANTS.reduce((s, v) => s + v.perRecord, 0);
  await waitUntil(() => ours().length >= total, 30_000, () => `${ours().length}/${total} records in the collector's file`);

  let asserted = 0;
  const records = ours();
  for (const v of VARIANTS) {
    const mine = records.filter((r) => r.input === v.id);
    assert.equal(mine.length, expected.length * v.perRecord, v.id);
    for (const e of expected) {
      const got = mine.filter((r) => r.message.endsWith(e.marker));
      const topics = v.topics?.(e) ?? [undefined];
      assert.deepEqual(got.map((r) => r.topic).sort(), [...topics].sort(), `${v.id} ${e.marker} topics`);
      for (const r of got) {
        assertRsyslogRecord(v, r, e, r.topic);
        asserted++;
      }
    }
  }
  assert.equal(asserted, total);
  t.diagnostic(`asserted ${asserted} records from ${VARIANTS.length} omczmq actions through the collector`);
});

test('Python PUBHandler, pyzmq PUSH JSON and plain text -> collector', { skip: skipUnless(pyzmqMissing()), timeout: 90_000 }, async (t) => {
  const dir = tempDir('python-collector');
  t.after(() => removeDir(dir));
  const pubEndpoint = `tcp://127.0.0.1:${await freePort()}`;
  let collector: CollectorProcess | undefined;
  t.after(() => cleanup(collector));
  collector = await startCollector({
    inputs: [
      { id: 'py-sub', type: 'zmq-sub', connect: [pubEndpoint], topics: [''] },
      // `lines` takes the "\n"-joined shape too.
      { id: 'py-pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], framing: 'lines' },
      { id: 'py-text', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] },
    ],
    hostname: HOST, pipeline: { ackMode: 'received' },
    sinks: [{ id: 'file', type: 'file', path: join(dir, 'out'), fsync: 'batch' }],
  }, { dir });
  const c = collector;
  const run = `q${process.pid}`;

  const from = Date.now();
  const push = startPushJson(c.endpoints['py-pull'][0], run);
  t.after(() => push.stop());
  const text = startPushText(c.endpoints['py-text'][0], run);
  t.after(() => text.stop());
  assert.equal(await text.exit, 0, text.stderr.join(''));
  const pub = startPubHandler(pubEndpoint, run);
  t.after(() => pub.stop());
  assert.equal(await push.exit, 0, push.stderr.join(''));
  const to = Date.now();

  await waitUntil(() => recordsOf(c).some((r) => r.input === 'py-sub' && r.message.includes(`warm-up ${run}-w`)), 20_000,
    () => `no PUBHandler warm-up in the collector's file; python: ${pub.stderr.join('')}`);
  pub.proc.stdin?.end('go\n');
  assert.equal(await pub.exit, 0, pub.stderr.join(''));

  const sub = (): LogRecord[] => recordsOf(c).filter((r) => r.input === 'py-sub' && !r.message.includes('warm-up'));
  const pull = (): LogRecord[] => recordsOf(c).filter((r) => r.input === 'py-pull');
  const texts = (): LogRecord[] => recordsOf(c).filter((r) => r.input === 'py-text');
  await waitUntil(() => sub().length >= PUBHANDLER_RECORDS && pull().length >= PUSH_JSON_RECORDS && texts().length >= PUSH_TEXT_RECORDS, 15_000, () => '').catch(() => {
    // Fewer records than sent: the per-record assertions below name the ones that went missing or wrong.
  });
  const n1 = assertPubHandlerRecords(sub(), run, HOST);
  const n2 = assertPushJsonRecords(pull(), run, push.pid, from, to);
  const n3 = assertPushTextRecords(texts(), run, HOST, from, Date.now());
  assert.equal(await c.metric('zlog_component_discarded_events_total', { component_id: 'py-text', reason: 'empty' }), PUSH_TEXT_EMPTY_FRAMES);
  t.diagnostic(`asserted ${n1} PUBHandler + ${n2} JSON + ${n3} text records through the collector`);
});
