// CURVE inputs against the real collector process and the real native client (zeromq.js, libzmq's CurveZMQ):
// allowed keys get in, unknown keys and plain clients never do, refusals are counted and logged once per key,
// and the allow-list reloads on a directory change and on SIGHUP without a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer } from 'zeromq';
import { ZlogClient } from '../../collector/client/client.js';
import { curveFromFiles } from '../../collector/security/client-curve.js';
import { CLI, cleanup, startCollector, waitFor, type CollectorProcess } from '../helpers/collector-process.js';
import { makeKeys, type TestKeys } from '../helpers/curve-keys.js';

function client(keys: TestKeys | undefined, name: string | undefined, endpoint: string): ZlogClient {
  const c = new ZlogClient({
    curve: keys && name ? curveFromFiles(keys.secret(name), keys.pub('server')) : undefined,
    maxDelayMs: 1,
    deliveryTimeoutMs: 4000,
    ackTimeoutMs: 1000,
  });
  c.connect(endpoint);
  return c;
}

async function trySend(c: ZlogClient, text: string): Promise<'acked' | string> {
  try {
    await c.send(text);
    return 'acked';
  } catch (err) {
    return (err as { reason?: string }).reason ?? String(err);
  } finally {
    await c.close(100).catch(() => {});
  }
}

const messages = (c: CollectorProcess) => c.records().map((r) => String(r.message));
const refusalLogs = (c: CollectorProcess, key: string) => c.logs.filter((l) => l.includes('CurveZMQ client refused') && l.includes(JSON.stringify(key).slice(1, -1)));

test('CURVE native input: the allowed key is acknowledged; an unknown key and a plain client never land', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-curve-'));
  const keys = makeKeys(dir, ['alice'], ['mallory']);
  const c = await startCollector({ inputs: [{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'], security: keys.security }], pipeline: { ackMode: 'received', workers: 0 } }, { dir });
  t.after(() => cleanup(c));
  const ep = c.endpoints.native[0];
  assert.equal(await c.metric('zlog_auth_client_keys', { component_id: 'native' }), 1);

  assert.equal(await trySend(client(keys, 'alice', ep), 'from alice 1'), 'acked');
  // Three connections with the same unknown key (libzmq does not retry after a ZAP refusal): three refusals
  // counted, one log line for the key.
  const results = await Promise.all([
    ...[1, 2, 3].map((i) => trySend(client(keys, 'mallory', ep), `from mallory ${i}`)),
    trySend(client(undefined, undefined, ep), 'from a plain client'),
  ]);
  assert.deepEqual(results, ['timeout', 'timeout', 'timeout', 'timeout']);
  const refused = await c.metric('zlog_auth_refused_total', { component_id: 'native', reason: 'unknown_key' });
  assert.equal(refused, 3);
  const malloryKey = curveFromFiles(keys.secret('mallory'), keys.pub('server')).publicKey;
  assert.equal(refusalLogs(c, malloryKey).length, 1, c.logs.filter((l) => l.includes('refused')).join('\n'));
  assert.ok(await c.metric('zlog_auth_accepted_total', { component_id: 'native' }) >= 1);

  // After the refused clients, one more allowed record: the file is complete up to it, and nothing else is there.
  assert.equal(await trySend(client(keys, 'alice', ep), 'from alice 2'), 'acked');
  await waitFor('alice 2 written', () => messages(c).includes('from alice 2'), 15_000);
  assert.deepEqual(messages(c), ['from alice 1', 'from alice 2']);
  assert.equal(await c.metric('zlog_component_received_events_total', { component_id: 'native' }), 2);
  rmSync(dir, { recursive: true, force: true });
});

test('allowed keys reload on a change of the key directory and on SIGHUP, without a restart', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-curve-'));
  const keys = makeKeys(dir, ['alice'], ['bob']);
  const c = await startCollector({ inputs: [{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'], security: keys.security }], pipeline: { ackMode: 'received', workers: 0 } }, { dir });
  t.after(() => cleanup(c));
  const ep = c.endpoints.native[0];
  assert.equal(await trySend(client(keys, 'bob', ep), 'bob before'), 'timeout');

  copyFileSync(keys.pub('bob'), join(keys.clientsDir, 'bob.key'));
  await waitFor('two keys allowed', async () => (await c.metric('zlog_auth_client_keys', { component_id: 'native' })) === 2, 15_000);
  assert.equal(await trySend(client(keys, 'bob', ep), 'bob allowed'), 'acked');

  // A broken file keeps the keys in force (and is counted); removing bob and SIGHUP narrows the set.
  execFileSync('sh', ['-c', `echo garbage > ${join(keys.clientsDir, 'broken.key')}`]);
  await waitFor('failed reload counted', async () => (await c.metric('zlog_auth_key_reloads_total', { component_id: 'native', result: 'failed' })) >= 1, 15_000);
  assert.equal(await trySend(client(keys, 'bob', ep), 'bob still allowed'), 'acked');
  rmSync(join(keys.clientsDir, 'broken.key'));
  rmSync(join(keys.clientsDir, 'bob.key'));
  c.proc.kill('SIGHUP');
  await waitFor('one key allowed', async () => (await c.metric('zlog_auth_client_keys', { component_id: 'native' })) === 1, 15_000);
  assert.ok(c.logs.some((l) => l.includes('"reason":"SIGHUP"') && l.includes('allowed client keys loaded')));
  assert.equal(await trySend(client(keys, 'bob', ep), 'bob removed'), 'timeout');
  assert.equal(c.proc.exitCode, null, 'SIGHUP must not stop the collector');
  await waitFor('records written', () => messages(c).length >= 2, 15_000);
  assert.deepEqual(messages(c).sort(), ['bob allowed', 'bob still allowed']);
  rmSync(dir, { recursive: true, force: true });
});

test('zmq-router: a connection that never sent a message is ended when its key is removed (key directory change, SIGHUP), counted once; another key stays connected', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-curve-'));
  const keys = makeKeys(dir, ['alice', 'bob', 'carol'], []);
  const c = await startCollector({ inputs: [{ id: 'native', type: 'zmq-router', receiver: 'native', bind: ['tcp://127.0.0.1:*'], security: keys.security }], pipeline: { ackMode: 'received', workers: 0 } }, { dir });
  t.after(() => cleanup(c));
  const ep = c.endpoints.native[0];
  // Raw DEALERs that connect and send nothing; their own events say when the collector ends their connection.
  const idle = (name: string) => {
    const k = curveFromFiles(keys.secret(name), keys.pub('server'));
    const d = new Dealer({ linger: 0, routingId: `${name}-1`, curveServerKey: k.serverPublicKey, curvePublicKey: k.publicKey, curveSecretKey: k.secretKey });
    const seen = { handshakes: 0, disconnects: 0 };
    d.events.on('handshake', () => seen.handshakes++);
    d.events.on('disconnect', () => seen.disconnects++);
    d.connect(ep);
    t.after(() => d.close());
    return seen;
  };
  const alice = idle('alice');
  const carol = idle('carol');
  const bob = new ZlogClient({ curve: curveFromFiles(keys.secret('bob'), keys.pub('server')), maxDelayMs: 1, ackTimeoutMs: 1000, deliveryTimeoutMs: 10_000 });
  bob.connect(ep);
  t.after(() => bob.close(100).catch(() => {}));
  await waitFor('three handshakes', () => alice.handshakes === 1 && carol.handshakes === 1 && bob.stats.handshakes === 1, 30_000);
  const revoked = () => c.metric('zlog_auth_revoked_connections_total', { component_id: 'native' });
  assert.equal(await revoked(), 0);

  rmSync(join(keys.clientsDir, 'alice.key'));
  await waitFor('two keys allowed', async () => (await c.metric('zlog_auth_client_keys', { component_id: 'native' })) === 2, 15_000);
  await waitFor("alice's idle connection ended", () => alice.disconnects >= 1, 15_000);
  await waitFor('counted', async () => (await revoked()) === 1, 15_000);

  rmSync(join(keys.clientsDir, 'carol.key'));
  c.proc.kill('SIGHUP');
  await waitFor("carol's idle connection ended", () => carol.disconnects >= 1, 15_000);
  await waitFor('counted', async () => (await revoked()) === 2, 15_000);

  // bob was never cut off: his first batch goes out on the connection he opened before the reloads.
  assert.equal(await trySend(bob, 'bob after'), 'acked');
  assert.equal(bob.stats.handshakes, 1);
  assert.equal(bob.stats.reconnects, 0);
  assert.equal(await revoked(), 2, 'each ended connection counted once');
  await waitFor('bob written', () => messages(c).includes('bob after'), 15_000);
  assert.deepEqual(messages(c), ['bob after']);
  rmSync(dir, { recursive: true, force: true });
});

test('zlog send and zlog bench with --client-key/--server-key reach a CURVE input; bad key files are usage errors', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-curve-'));
  const keys = makeKeys(dir, ['cli'], ['rogue']);
  const c = await startCollector({ inputs: [{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'], security: keys.security }], pipeline: { ackMode: 'received', workers: 0 } }, { dir });
  t.after(() => cleanup(c));
  const ok = spawnSync(process.execPath, [CLI, 'send', '--endpoint', c.endpoints.native[0], '--client-key', keys.secret('cli'), '--server-key', keys.pub('server')], { input: 'one\ntwo\n', encoding: 'utf8', timeout: 30_000 });
  assert.equal(ok.status, 0, ok.stderr);
  await waitFor('two records', () => messages(c).length === 2, 15_000);
  // A key the server does not allow: the failure says the server refused the CurveZMQ handshake, not just "timeout".
  const rogue = spawnSync(process.execPath, [CLI, 'send', '--endpoint', c.endpoints.native[0], '--timeout', '3', '--client-key', keys.secret('rogue'), '--server-key', keys.pub('server')], { input: 'intruder\n', encoding: 'utf8', timeout: 30_000 });
  assert.equal(rogue.status, 1, rogue.stderr);
  assert.match(rogue.stderr, /0 of 1 records acknowledged/);
  assert.match(rogue.stderr, /server refused the CurveZMQ handshake/);
  // Someone else's server key: the handshake never completes, and the message names --server-key.
  const wrongServer = spawnSync(process.execPath, [CLI, 'send', '--endpoint', c.endpoints.native[0], '--timeout', '3', '--client-key', keys.secret('cli'), '--server-key', keys.pub('rogue')], { input: 'lost\n', encoding: 'utf8', timeout: 30_000 });
  assert.equal(wrongServer.status, 1, wrongServer.stderr);
  assert.match(wrongServer.stderr, /CurveZMQ handshake/);
  assert.match(wrongServer.stderr, /--server-key/);
  assert.deepEqual(messages(c), ['one', 'two']);
  // zlog bench takes the same flags: its records reach the CURVE input, written under the key's name.
  const bench = spawnSync(process.execPath, [CLI, 'bench', '--endpoint', c.endpoints.native[0], '--records', '500', '--size', '50', '--batch', '100', '--format', 'json', '--client-key', keys.secret('cli'), '--server-key', keys.pub('server')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(bench.status, 0, bench.stderr);
  assert.equal((JSON.parse(bench.stdout) as { acked: number }).acked, 500);
  await waitFor('the bench records', () => c.records().length === 502, 15_000);
  assert.ok(c.records().every((r) => r.clientKey === 'cli'), 'every record carries the key name');
  const half = spawnSync(process.execPath, [CLI, 'send', '--client-key', keys.secret('cli')], { input: '', encoding: 'utf8', timeout: 30_000 });
  assert.equal(half.status, 2);
  assert.match(half.stderr, /--client-key and --server-key go together/);
  const pubAsSecret = spawnSync(process.execPath, [CLI, 'send', '--client-key', keys.pub('cli'), '--server-key', keys.pub('server')], { input: '', encoding: 'utf8', timeout: 30_000 });
  assert.equal(pubAsSecret.status, 2);
  assert.match(pubAsSecret.stderr, /cli\.key: no secret-key/);
  rmSync(dir, { recursive: true, force: true });
});

test('a CURVE input refuses to start without a readable server secret certificate', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-curve-'));
  const keys = makeKeys(dir, ['alice'], []);
  await assert.rejects(
    startCollector({ inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], security: { ...keys.security, serverKeyFile: keys.pub('server') } }] }, { dir }),
    /security\.serverKeyFile .*server\.key has no secret-key/,
  );
  await assert.rejects(startCollector({ inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], security: { mode: 'curve' } }] }, { dir }), /inputs\[0\]\.security\.serverKeyFile: required with mode: curve/);
  rmSync(dir, { recursive: true, force: true });
});
