// Phase A: rsyslog 8.2302 + omczmq (Debian, unmodified) sending every wire variant to zeromq.js sockets in this
// process; the frames go through the collector's own ChunkProcessor, as a worker would process them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bindPull, connectSub, connectTcp, decodeMessages, freePort, removeDir, rsyslogMissing, startRsyslog, tempDir,
  waitUntil, writeLines, type Collected,
} from './harness.js';
import { VARIANTS, assertRsyslogRecord, expectedRecords, rsyslogConfig, warmUp } from './rsyslog-emitter.js';
import { skipUnless } from '../helpers/requirement.js';

test('rsyslog omczmq: every variant decodes to the records fed in', { skip: skipUnless(rsyslogMissing()), timeout: 60_000 }, async (t) => {
  const dir = tempDir('rsyslog');
  const receivers = new Map<string, Collected>();
  t.after(async () => {
    for (const c of receivers.values()) await c.close();
    removeDir(dir);
  });
  const endpoints: Record<string, string> = {};
  for (const v of VARIANTS) {
    if (v.socktype === 'PUSH') {
      const pull = await bindPull();
      receivers.set(v.id, pull);
      endpoints[v.id] = pull.endpoint;
    } else {
      endpoints[v.id] = `tcp://127.0.0.1:${await freePort()}`;
    }
  }
  const tcpPort = await freePort();
  const rsyslog = startRsyslog(dir, rsyslogConfig(dir, tcpPort, endpoints));
  t.after(() => rsyslog.stop());
  for (const v of VARIANTS) if (v.socktype === 'PUB') receivers.set(v.id, connectSub(endpoints[v.id], v.subscribe ?? ['']));

  const tcp = await connectTcp(tcpPort, 15_000);
  t.after(() => tcp.destroy());
  const run = `r${process.pid}`;
  await warmUp(tcp, run, () => [...receivers].filter(([, c]) => c.matching(`warm-up ${run}-w`).length === 0).map(([id]) => id), () => rsyslog.stderr.join(''));

  const expected = expectedRecords(run);
  await writeLines(tcp, expected.map((e) => e.line));
  const ours = (c: Collected): Buffer[][] => c.messages.filter((m) => m[m.length - 1].includes(run + '#'));
  await waitUntil(
    () => VARIANTS.every((v) => ours(receivers.get(v.id)!).length >= expected.length * v.perRecord),
    20_000,
    () => VARIANTS.map((v) => `${v.id}: ${ours(receivers.get(v.id)!).length}/${expected.length * v.perRecord}`).join(', '),
  );

  let asserted = 0;
  for (const v of VARIANTS) {
    const c = receivers.get(v.id)!;
    const records = decodeMessages(ours(c), { input: v.id, type: v.socktype === 'PUB' ? 'zmq-sub' : 'zmq-pull', topics: v.subscribe });
    assert.equal(records.length, expected.length * v.perRecord, v.id);
    for (const [k, e] of expected.entries()) {
      const got = records.filter((r) => r.message.endsWith(e.marker));
      const topics = v.topics?.(e) ?? [undefined];
      assert.deepEqual(got.map((r) => r.topic), topics, `${v.id} ${e.marker} topics`);
      for (const [i, r] of got.entries()) {
        assertRsyslogRecord(v, r, e, topics[i]);
        assert.equal(r.input, v.id);
        asserted++;
      }
      // rsyslog keeps the order of records within one action
      assert.ok(records.indexOf(got[0]) >= k * v.perRecord, `${v.id} order`);
    }
  }
  t.diagnostic(`asserted ${asserted} records from ${VARIANTS.length} omczmq actions`);
  assert.equal(asserted, expected.length * VARIANTS.reduce((s, v) => s + v.perRecord, 0));
});
