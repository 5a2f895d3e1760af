// Issue 9, files on disk and start-up, with the real collector process: real Debian logrotate moves the output
// file and its postrotate sends SIGHUP (the collector reopens and keeps running, nothing lost), and a SIGTERM
// while a sink's open never completes (mkdir under /proc) exits non-zero promptly instead of hanging.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import YAML from 'yaml';
import * as zmq from 'zeromq';
import { CLI, cleanup, startCollector, waitFor, type CollectorProcess } from '../helpers/collector-process.js';
import { skipUnless } from '../helpers/requirement.js';

const LOGROTATE = '/usr/sbin/logrotate';

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

const lineNumbers = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Number((JSON.parse(l) as { message: string }).message.replace('line ', '')));

test('logrotate moves the file and sends SIGHUP from postrotate: the collector reopens, keeps running, loses nothing', { skip: skipUnless(!existsSync(LOGROTATE) && 'logrotate (bash scripts/install-system-deps.sh)'), timeout: 120_000 }, async () => {
  const logrotate = LOGROTATE;
  const c = await startCollector();
  procs.push(c);
  const out = join(c.dir, 'out');
  const push = new zmq.Push({ sendTimeout: 10_000, linger: 0 });
  push.connect(c.endpoints.pull[0]);
  for (let i = 0; i < 500; i++) await push.send(`line ${i}`);
  await waitFor('500 records written', async () => (await c.metric('zlog_component_sent_events_total', { component_id: 'file' })) === 500, 30_000);
  const conf = join(c.dir, 'logrotate.conf');
  writeFileSync(conf, `${out}/zlog.ndjson {\n  rotate 3\n  missingok\n  nocompress\n  postrotate\n    kill -HUP ${c.pid}\n  endscript\n}\n`);
  execFileSync(logrotate, ['-f', '-s', join(c.dir, 'logrotate.state'), conf], { stdio: 'pipe' });
  assert.ok(existsSync(join(out, 'zlog.ndjson.1')), 'logrotate moved the file');
  await waitFor('a new output file', () => existsSync(join(out, 'zlog.ndjson')), 10_000);
  for (let i = 500; i < 1000; i++) await push.send(`line ${i}`);
  push.close();
  await waitFor('1000 records written', async () => (await c.metric('zlog_component_sent_events_total', { component_id: 'file' })) === 1000, 30_000);
  assert.ok(c.logs.some((l) => l.includes('reopening output files')), 'SIGHUP was handled');
  const stopped = await c.stop('SIGTERM');
  assert.deepEqual(stopped, { code: 0, signal: null });
  assert.deepEqual(lineNumbers(join(out, 'zlog.ndjson.1')), Array.from({ length: 500 }, (_, i) => i));
  assert.deepEqual(lineNumbers(join(out, 'zlog.ndjson')), Array.from({ length: 500 }, (_, i) => 500 + i));
});

test('SIGTERM while a sink is still opening (mkdir under /proc never settles) closes what exists and exits non-zero promptly', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-startup-'));
  const out = `/proc/zlog-${process.pid}-${Date.now()}/out`;
  const cfgPath = join(dir, 'config.yaml');
  writeFileSync(
    cfgPath,
    YAML.stringify({ inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] }], sinks: [{ id: 'file', type: 'file', path: out }], http: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } }),
  );
  const proc = spawn(process.execPath, [CLI, 'start', '--config', cfgPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    // Up (it logged that it is starting, after installing its signal handlers) and stuck in the sink's open.
    await waitFor('collector starting', () => stderr.includes('"collector starting"'), 30_000);
    const starting = stderr.split('\n').find((l) => l.includes('"collector starting"'))!;
    assert.equal(starting.match(/"pid":/g)?.length, 1, `one pid key in ${starting}`);
    assert.equal(JSON.parse(starting).pid, proc.pid);
    await new Promise((r) => setTimeout(r, 1000));
    assert.doesNotMatch(stderr, /collector ready/);
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 8000);
    const r = await exit;
    clearTimeout(killer);
    assert.equal(r.signal, null, `killed by ${r.signal}: did not exit by itself\n${stderr}`);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(stderr, /TypeError/);
    assert.match(stderr, /signal during start-up/);
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
});
