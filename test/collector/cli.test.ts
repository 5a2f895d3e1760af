// The zlog command line as a user or a probe runs it: exit codes and messages.
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, cleanup, startCollector } from '../helpers/collector-process.js';

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

test('unknown commands and flags exit 2 with usage', () => {
  assert.equal(zlog(['frobnicate']).code, 2);
  const r = zlog(['status', '--nope']);
  assert.equal(r.code, 2);
  assert.match(r.err, /usage: zlog/);
});

test('health-check and status against a running collector, and when nothing listens', { timeout: 60_000 }, async (t) => {
  const down = zlog(['health-check', '--url', 'http://127.0.0.1:9', '--timeout', '1']);
  assert.equal(down.code, 3);
  assert.match(down.err, /unreachable/);
  const c = await startCollector();
  t.after(() => cleanup(c));
  const h = zlog(['health-check', '--url', c.url, '--ready']);
  assert.equal(h.code, 0, h.err);
  const js = zlog(['status', '--url', c.url, '--format', 'json']);
  assert.equal(js.code, 0);
  const s = JSON.parse(js.out) as { ready: boolean; inputs: { id: string }[] };
  assert.equal(s.ready, true);
  assert.deepEqual(s.inputs.map((i) => i.id), ['pull', 'native']);
  const table = zlog(['status', '--url', c.url]);
  assert.match(table.out, /state\s+ready/);
  assert.match(table.out, /sink file\s+file ok/);
  assert.match(table.out, /^health\s+alive, ready/m);
  assert.match(table.out, /^check sink:file\s+ok 0\/10 seconds: idle$/m);
  assert.equal(zlog(['status', '--url', c.url, '--format', 'xml']).code, 2);
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
