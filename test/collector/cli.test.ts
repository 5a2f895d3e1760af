// The zlog command line as a user or a probe runs it: exit codes and messages.
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { Dealer } from 'zeromq';
import { CLI, cleanup, startCollector } from '../helpers/collector-process.js';
import { freePort, waitFor } from '../helpers/net.js';

function zlog(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('validate: a good file exits 0; a bad one exits 2 naming path, value and expectation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-cli-'));
  writeFileSync(join(dir, 'good.yaml'), 'pipeline:\n  ackMode: received\n');
  const ok = zlog(['validate', '--config', join(dir, 'good.yaml')]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /configuration is valid: 3 input\(s\), 1 sink\(s\), ack mode received/);
  writeFileSync(join(dir, 'bad.yaml'), 'pipeline:\n  workers: -1\nsinks:\n  - {id: f, type: file, fsync: sometimes}\n');
  const bad = zlog(['validate', '--config', join(dir, 'bad.yaml')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /pipeline\.workers: -1 is invalid: must be >= 0/);
  assert.match(bad.err, /sinks\[0\]\.fsync: "sometimes" is not allowed; expected one of "batch", "interval", "never"/);
  const printed = zlog(['validate', '--print', '--set', 'http.port=1234']);
  assert.equal(printed.code, 0);
  assert.match(printed.out, /port: 1234/);
});

test('help and version at the top and per subcommand; unknown commands and flags exit 2 with a usage hint', () => {
  for (const flag of ['--help', '-h']) {
    const r = zlog([flag]);
    assert.equal(r.code, 0, flag);
    assert.match(r.out, /Usage: zlog/);
    for (const c of ['start', 'validate', 'status', 'health-check', 'send', 'bench']) assert.match(r.out, new RegExp(`\\n  ${c} `), c);
    assert.match(r.out, /Exit codes:[\s\S]*2  usage error/);
  }
  for (const flag of ['--version', '-V']) assert.deepEqual([zlog([flag]).code, zlog([flag]).out.trim()], [0, '0.1.0'], flag);
  // Each subcommand's help lists its own flags and no other subcommand's.
  const send = zlog(['send', '--help']);
  assert.equal(send.code, 0);
  assert.match(send.out, /--endpoint <endpoint>[\s\S]*--timeout <seconds>/);
  assert.doesNotMatch(send.out, /--config|--records|--ready/);
  const hc = zlog(['health-check', '-h']);
  assert.match(hc.out, /--ready/);
  assert.doesNotMatch(hc.out, /--endpoint|--batch/);
  assert.equal(zlog([]).code, 2);
  const unknown = zlog(['frobnicate']);
  assert.deepEqual([unknown.code, /unknown command 'frobnicate'/.test(unknown.err)], [2, true]);
  // A flag of another subcommand is unknown here.
  for (const args of [['status', '--nope'], ['status', '--endpoint', 'tcp://127.0.0.1:1'], ['send', '--ready'], ['validate', '--url', 'http://x']]) {
    const r = zlog(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /unknown option/);
    assert.match(r.err, /--help/);
  }
});

test('bad flag values are usage errors (2) at once, naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['health-check', '--timeout', 'abc'], /--timeout <seconds>' argument 'abc' is invalid/],
    [['health-check', '--timeout', '0'], /--timeout/],
    [['health-check', '--url', 'localhost:9090'], /--url <url>' argument 'localhost:9090' is invalid/],
    [['send', '--endpoint', 'localhost:5557'], /did you mean tcp:\/\/localhost:5557\?/],
    [['send', '--batch', '1.5'], /--batch <records>' argument '1.5' is invalid/],
    [['send', '--compression', 'zip'], /Allowed choices are auto, none/],
    [['send', '--routing-id', ''], /--routing-id <id>' argument '' is invalid. expected 1-255 bytes/],
    [['status', '-o', 'xml'], /Allowed choices are table, json, yaml/],
    [['bench', '--records', '-3'], /--records <n>' argument '-3' is invalid/],
    [['bench', '--format', 'csv'], /Allowed choices are text, json/],
    [['start', '--port', '70000'], /--port <port>' argument '70000' is invalid/],
    [['start', '--log-format', 'xml'], /Allowed choices are json, text/],
  ];
  for (const [args, want] of cases) {
    const r = zlog(args, '');
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, want, args.join(' '));
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('--set addresses list items as Helm does: inputs[0].framing, sinks[0].rotation.maxBytes, append with [N]', () => {
  const r = zlog(['validate', '--print', '--set', 'inputs[0].framing=lines', '--set', 'sinks[0].rotation.maxBytes=8192',
    '--set', 'inputs[3]={"id":"extra","type":"zmq-pull","bind":["tcp://127.0.0.1:7000"]}']);
  assert.equal(r.code, 0, r.err);
  const cfg = YAML.parse(r.out) as { inputs: { id: string; framing: string }[]; sinks: { rotation: { maxBytes: number } }[] };
  assert.deepEqual(cfg.inputs.map((i) => [i.id, i.framing]), [['pull', 'lines'], ['sub', 'frame'], ['native', 'frame'], ['extra', 'frame']]);
  assert.equal(cfg.sinks[0].rotation.maxBytes, 8192);
  const past = zlog(['validate', '--set', 'inputs[7].framing=lines']);
  assert.equal(past.code, 2);
  assert.match(past.err, /inputs has 3 item\(s\); \[7\] is past its end/);
  assert.match(zlog(['validate', '--set', 'inputs[0].nope=1']).err, /unknown setting "inputs\[0\]\.nope"/);
  assert.match(zlog(['validate', '--set', 'http[0]=1']).err, /http is not a list/);
  assert.match(zlog(['validate', '--set', 'inputs[0].framing=sideways']).err, /inputs\[0\]\.framing: "sideways" is not allowed/);
});

test('unreachable collector: the cause is named (ECONNREFUSED) and send gives up within --timeout', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const hc = zlog(['health-check', '--url', `http://127.0.0.1:${port}`, '--timeout', '2']);
  assert.equal(hc.code, 3);
  assert.match(hc.err, /unreachable: connect ECONNREFUSED 127\.0\.0\.1:/);
  const st = zlog(['status', '--url', `http://127.0.0.1:${port}`]);
  assert.equal(st.code, 3);
  assert.match(st.err, /ECONNREFUSED/);
  const send = zlog(['send', '--endpoint', `tcp://127.0.0.1:${port}`, '--timeout', '1'], 'one\ntwo\n');
  assert.equal(send.code, 1, send.err);
  assert.match(send.err, /0 of 2 records acknowledged by tcp:\/\/127\.0\.0\.1:\d+; failed: .*timeout.*; connect ECONNREFUSED/);
  // A long input stops at the first batch that got no answer: it used to read on and wait one --timeout per
  // 10,000 records (40,000 lines with --timeout 2: ~10 s against a closed port).
  const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const long = zlog(['send', '--endpoint', `tcp://127.0.0.1:${port}`, '--timeout', '1'], lines);
  assert.equal(long.code, 1, long.err);
  const m = /0 of (\d+) records acknowledged by .*; failed: .*timeout.*; stopped reading stdin after (\d+) records: a batch got no answer within --timeout 1 s/.exec(long.err);
  assert.ok(m, long.err);
  assert.ok(Number(m[1]) < 40_000, long.err);
});

test('health-check and status against a running collector, and when nothing listens', { timeout: 60_000 }, async (t) => {
  const down = zlog(['health-check', '--url', 'http://127.0.0.1:9', '--timeout', '1']);
  assert.equal(down.code, 3);
  assert.match(down.err, /unreachable/);
  const c = await startCollector();
  t.after(() => cleanup(c));
  const h = zlog(['health-check', '--url', c.url, '--ready']);
  assert.equal(h.code, 0, h.err);
  // The admin listener has no probes: the answer names the wrong port rather than a failing check "unknown".
  const wrong = zlog(['health-check', '--url', c.adminUrl]);
  assert.equal(wrong.code, 3, wrong.err);
  assert.match(wrong.err, /\/healthz answered HTTP 404 without a list of checks: not a zlog probe endpoint/);
  assert.doesNotMatch(wrong.err, /unknown/);
  const js = zlog(['status', '--url', c.adminUrl, '--format', 'json']);
  assert.equal(js.code, 0);
  const s = JSON.parse(js.out) as { ready: boolean; inputs: { id: string }[] };
  assert.equal(s.ready, true);
  assert.deepEqual(s.inputs.map((i) => i.id), ['pull', 'native']);
  const table = zlog(['status', '--url', c.adminUrl]);
  assert.match(table.out, /state\s+ready/);
  assert.match(table.out, /^sink file\s+file healthy, queue 0\/4096 batches 0\/\d+ bytes$/m);
  assert.match(table.out, /^health\s+alive, ready/m);
  assert.match(table.out, /^check sink:file\s+ok 0\/10 seconds: idle$/m);
  assert.equal(zlog(['status', '--url', c.adminUrl, '--format', 'xml']).code, 2);
  const yaml = zlog(['status', '--url', c.adminUrl, '-o', 'yaml']);
  assert.equal(yaml.code, 0, yaml.err);
  assert.equal((YAML.parse(yaml.out) as { ready: boolean }).ready, true);
  // /status is not on the public listener; the answer names the wrong listener instead of "unreachable: HTTP 404".
  const onHttp = zlog(['status', '--url', c.url, '--format', 'json']);
  assert.equal(onHttp.code, 3);
  assert.match(onHttp.err, /\/status answered HTTP 404: not the collector's admin listener/);
  assert.doesNotMatch(onHttp.err, /unreachable/);
  assert.match(wrong.err, /admin listener, default port 9091, serves only GET \/status and POST \/drain/);
  // A ZeroMQ input's port answers, but in ZMTP: said so, not a bare llhttp parse error.
  const zmq = zlog(['health-check', '--url', `http://${c.endpoints.native[0].replace(/^tcp:\/\//, '')}`, '--timeout', '5']);
  assert.equal(zmq.code, 3, zmq.err);
  assert.match(zmq.err, /the port answered, but not in HTTP \(a ZeroMQ input's port\?\)/);
});

test('send: stdin lines become acknowledged records in order', { timeout: 60_000 }, async (t) => {
  const c = await startCollector();
  t.after(() => cleanup(c));
  // spawn (not spawnSync): the collector runs in this process's event loop via fetch in c.records()
  const child = spawn(process.execPath, [CLI, 'send', '--endpoint', c.endpoints.native[0], '--batch', '7'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\n');
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0, err);
  assert.match(err, /50 records acknowledged/);
  assert.deepEqual(c.records().map((r) => r.message), Array.from({ length: 50 }, (_, i) => `line ${i}`));
});

test('bench: its own collector in a temporary directory (removed), a human summary, --format json rounded', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'zlog-cli-bench-'));
  const tmp = mkdtempSync(join(tmpdir(), 'zlog-cli-tmp-'));
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'bench', ...args], { cwd, encoding: 'utf8', timeout: 100_000, env: { ...process.env, TMPDIR: tmp } });
  const text = run(['--records', '3000', '--size', '50']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /zlog bench: 3,000 of 3,000 records of 50 B acknowledged in [\d.]+ s/);
  assert.match(text.stdout, /throughput\s+[\d,]+ records\/s/);
  assert.match(text.stdout, /a collector started for this run \(files in .*zlog-bench-\w+, removed\)/);
  assert.deepEqual(readdirSync(tmp), [], 'the temporary directory is gone');
  assert.equal(existsSync(join(cwd, 'data')), false, 'nothing written into ./data');
  const keep = join(cwd, 'kept');
  const json = run(['--records', '2000', '--format', 'json', '--dir', keep]);
  assert.equal(json.status, 0, json.stderr);
  const r = JSON.parse(json.stdout) as { acked: number; seconds: number; mibPerSecond: number; latencyMs: Record<string, number> };
  assert.equal(r.acked, 2000);
  for (const v of [r.seconds * 1000, r.mibPerSecond * 10, ...Object.values(r.latencyMs).map((x) => x * 10)]) assert.ok(Math.abs(v - Math.round(v)) < 1e-6, `rounded: ${json.stdout}`);
  const lines = readFileSync(join(keep, 'zlog.ndjson'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 2000, 'with --dir the records stay there');
});

test('start: --port (native input), --metrics-port, --log-format text, --log-level', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-cli-start-'));
  const [native, http] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [CLI, 'start', '--set', `sinks=[{"id":"f","type":"file","path":"${join(dir, 'out')}"}]`,
    '--set', 'inputs[0].bind=["tcp://127.0.0.1:*"]', '--set', 'inputs[1].bind=["tcp://127.0.0.1:*"]',
    '--set', 'admin.port=0', '--port', String(native), '--metrics-port', String(http), '--log-format', 'text', '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await waitFor('collector ready', async () => fetch(`http://127.0.0.1:${http}/readyz`).then((r) => r.ok, () => false), 30_000);
  const send = spawnSync(process.execPath, [CLI, 'send', '--endpoint', `tcp://127.0.0.1:${native}`], { input: 'via --port\n', encoding: 'utf8', timeout: 30_000 });
  assert.equal(send.status, 0, send.stderr);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  assert.match(err, /INFO.*collector ready/);
  assert.match(err, /DEBUG|signal received/);
  assert.ok(err.split('\n').filter((l) => l.trim() !== '').every((l) => !l.startsWith('{')), `text, not JSON:\n${err}`);
  assert.match(readFileSync(join(dir, 'out', 'zlog.ndjson'), 'utf8'), /"message":"via --port"/);
  const noNative = zlog(['start', '--set', 'inputs=[{"id":"p","type":"zmq-pull","bind":["tcp://127.0.0.1:*"]}]', '--port', '5999']);
  assert.equal(noNative.code, 2);
  assert.match(noNative.err, /--port: the configuration has 0 zmq-router \(native\) inputs/);
});

test('send --routing-id held by another connection: the records go out under a fresh id and send names it', { timeout: 120_000 }, async (t) => {
  const c = await startCollector();
  t.after(() => cleanup(c));
  // Holds the id for the whole test: the collector refuses every later connection presenting it.
  const holder = new Dealer({ routingId: 'held-id', linger: 0 });
  t.after(() => holder.close());
  const handshake = new Promise<void>((r) => holder.events.on('handshake', () => r()));
  holder.connect(c.endpoints.native[0]);
  await handshake;
  const child = spawn(process.execPath, [CLI, 'send', '--endpoint', c.endpoints.native[0], '--routing-id', 'held-id', '--timeout', '60'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end('one\ntwo\n');
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0, err);
  const named = /routing id 'held-id' was refused by the collector \(another connection holds it\), so the records were sent under the fresh id '([^']+)'/.exec(err);
  assert.ok(named, `send names the id its records carry:\n${err}`);
  assert.deepEqual(c.records().map((r) => [r.message, r.routingId]), [['one', named[1]], ['two', named[1]]]);
  assert.notEqual(named[1], 'held-id');
});

test('send prints no progress line when stderr is not a terminal', { timeout: 90_000 }, async (t) => {
  const c = await startCollector({ pipeline: { ackMode: 'received' } });
  t.after(() => cleanup(c));
  const piped = spawnSync('bash', ['-c', `(seq 1 1100; sleep 1.2; seq 1101 2200) | ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} send --endpoint ${c.endpoints.native[0]}`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(piped.status, 0, piped.stderr);
  assert.match(piped.stderr, /2200 records acknowledged/);
  assert.doesNotMatch(piped.stderr, /records\/s|\x1b/);
});
