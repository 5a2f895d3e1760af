// Real emitters with CurveZMQ keys, unchanged except for their key settings, against CURVE inputs of the real
// collector: rsyslog 8.2302 omczmq (module parameters authtype/servercertpath/clientcertpath, czmq reading the
// zcert files `zlog keygen` wrote) and pyzmq PUSH and PUB (zmq.auth.load_certificate). A wrong key and a plain
// client are refused and nothing they send lands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LogRecord } from '../../collector/record.js';
import { cleanup, startCollector, type CollectorProcess } from '../helpers/collector-process.js';
import { makeKeys } from '../helpers/curve-keys.js';
import { waitFor } from '../helpers/net.js';
import { skipUnless } from '../helpers/requirement.js';
import { FIXTURES, PYTHON, connectTcp, freePort, pyzmqMissing, removeDir, rsyslogMissing, startChild, startRsyslog, tempDir, waitUntil, writeLines } from './harness.js';

const records = (c: CollectorProcess) => c.records() as unknown as LogRecord[];
const withLabel = (c: CollectorProcess, label: string, run: string) => records(c).filter((r) => r.message.startsWith(`${label} ${run}#`));

function emit(socktype: 'PUSH' | 'PUB', endpoint: string, label: string, run: string, count: number, clientCert: string, serverCert: string) {
  return startChild(PYTHON, [join(FIXTURES, 'curve_emit.py'), socktype, endpoint, label, run, String(count), clientCert, serverCert]);
}

test('rsyslog omczmq and pyzmq PUSH/PUB with CURVE keys land; a wrong key and a plain client do not', { skip: skipUnless(rsyslogMissing() ?? pyzmqMissing()), timeout: 120_000 }, async (t) => {
  const dir = tempDir('curve-interop');
  t.after(() => removeDir(dir));
  const keys = makeKeys(dir, ['rsyslog', 'pyzmq'], ['mallory']);
  // The emitters get only the server's public certificate (czmq's zcert_load would also read NAME_secret beside it).
  mkdirSync(join(dir, 'server-public'));
  const serverPublic = join(dir, 'server-public', 'server.key');
  copyFileSync(keys.pub('server'), serverPublic);
  let c: CollectorProcess | undefined;
  t.after(() => cleanup(c));
  c = await startCollector({
    inputs: [
      { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], security: keys.security },
      { id: 'sub', type: 'zmq-sub', bind: ['tcp://127.0.0.1:*'], security: keys.security },
    ],
    pipeline: { ackMode: 'received' },
  }, { dir });
  const collector = c;
  const [pull, sub] = [collector.endpoints.pull[0], collector.endpoints.sub[0]];
  const run = `k${process.pid}`;

  // rsyslog: imtcp in, omczmq PUSH out as a CURVE client.
  const tcpPort = await freePort();
  const rsyslog = startRsyslog(dir, `global(workDirectory="${dir}")
module(load="imtcp")
module(load="omczmq" authtype="CURVECLIENT" servercertpath="${serverPublic}" clientcertpath="${keys.secret('rsyslog')}")
ruleset(name="to_zmq") {
  action(type="omczmq" name="curve_push" socktype="PUSH" endpoints="${pull}")
}
input(type="imtcp" address="127.0.0.1" port="${tcpPort}" ruleset="to_zmq")
`);
  t.after(() => rsyslog.stop());
  const tcp = await connectTcp(tcpPort, 15_000);
  t.after(() => tcp.destroy());
  const lines = [0, 1, 2, 3, 4].map((i) => `<14>1 2026-11-29T12:00:0${i}.000000+00:00 web-1 shop 42 - - from-rsyslog ${run}#${i}`);
  await writeLines(tcp, lines);

  const children = [
    emit('PUSH', pull, 'pyzmq-push', run, 5, keys.secret('pyzmq'), serverPublic),
    emit('PUB', sub, 'pyzmq-pub', run, 60, keys.secret('pyzmq'), serverPublic),
    emit('PUSH', pull, 'mallory-push', run, 20, keys.secret('mallory'), serverPublic),
    emit('PUB', sub, 'mallory-pub', run, 20, keys.secret('mallory'), serverPublic),
    emit('PUSH', pull, 'plain-push', run, 20, 'none', 'none'),
  ];
  t.after(() => Promise.all(children.map((ch) => ch.stop())));
  await Promise.all(children.map((ch) => ch.exit));
  for (const ch of children) assert.equal(await ch.exit, 0, ch.stderr.join(''));

  const ours = (msg: (r: LogRecord) => boolean) => records(collector).filter((r) => r.message.includes(run + '#') && msg(r));
  await waitUntil(
    () => ours((r) => r.message.startsWith('from-rsyslog')).length === 5 && withLabel(collector, 'pyzmq-push', run).length === 5 && withLabel(collector, 'pyzmq-pub', run).length > 0,
    30_000,
    () => `rsyslog ${ours((r) => r.message.startsWith('from-rsyslog')).length}/5, pyzmq push ${withLabel(collector, 'pyzmq-push', run).length}/5, pub ${withLabel(collector, 'pyzmq-pub', run).length}; rsyslog: ${rsyslog.stderr.join('')}`,
  );
  const fromRsyslog = ours((r) => r.message.startsWith('from-rsyslog'));
  // Each record names the key its connection authenticated with (the key file's name), whatever it says itself.
  assert.deepEqual(fromRsyslog.map((r) => [r.host, r.app, r.input, r.clientKey]), lines.map(() => ['web-1', 'shop', 'pull', 'rsyslog']));
  assert.deepEqual([...new Set(withLabel(collector, 'pyzmq-push', run).map((r) => `${r.input}:${r.clientKey}`))], ['pull:pyzmq']);
  assert.deepEqual([...new Set(withLabel(collector, 'pyzmq-pub', run).map((r) => `${r.input}:${r.clientKey}`))], ['sub:pyzmq']);
  // Every refused sender finished before the allowed records above were written; none of theirs is there.
  for (const label of ['mallory-push', 'mallory-pub', 'plain-push']) assert.deepEqual(withLabel(collector, label, run), [], label);
  // The native receive path's ZAP handler reports its counts about once a second.
  const metric = (name: string, labels: Record<string, string>) => collector.metric(name, labels);
  await waitFor('pull: unknown_key refusals counted', async () => (await metric('zlog_auth_refused_total', { component_id: 'pull', reason: 'unknown_key' })) >= 1, 10_000);
  await waitFor('sub: unknown_key refusals counted', async () => (await metric('zlog_auth_refused_total', { component_id: 'sub', reason: 'unknown_key' })) >= 1, 10_000);
  await waitFor('pull: rsyslog and pyzmq accepted', async () => (await metric('zlog_auth_accepted_total', { component_id: 'pull' })) >= 2, 10_000);
  t.diagnostic(`rsyslog 5/5, pyzmq push 5/5, pyzmq pub ${withLabel(collector, 'pyzmq-pub', run).length}/60 (PUB drops before the subscription arrives)`);
});
