// The README's commands, run as written (ports swapped for free ones, a temporary working directory), so the
// first five minutes cannot drift from the code: the Python snippet and the second collector it talks to, and
// the tour's `zlog send` with the sample record it shows.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../cluster/bins.js';
import { freePort, waitFor } from '../helpers/net.js';
import { PYTHON, pyzmqMissing } from '../interop/harness.js';

const README = readFileSync(join(repoRoot(), 'README.md'), 'utf8');

/** The fenced blocks of a language that follow the first occurrence of `after`. */
function blocks(lang: string, after: string): string[] {
  const from = README.indexOf(after);
  assert.ok(from >= 0, `README no longer contains "${after}"`);
  return [...README.slice(from).matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** A README shell command runnable here: the CLI by absolute path, fixed ports replaced. */
function localize(text: string, ports: Record<string, number>): string {
  let out = text.replaceAll('node dist/collector/cli/main.js', `${JSON.stringify(process.execPath)} ${JSON.stringify(join(repoRoot(), 'dist/collector/cli/main.js'))}`);
  for (const [from, to] of Object.entries(ports)) out = out.replaceAll(from, String(to));
  return out;
}

test('README: the Python PUBHandler snippet, pasted as written, reaches the second collector at level info', { skip: pyzmqMissing(), timeout: 90_000 }, async (t) => {
  const [startCmd] = blocks('sh', 'Or Python logging');
  const [snippet] = blocks('python', 'Or Python logging');
  assert.match(startCmd, /start --metrics-port 9092 --set admin\.port=9093/, 'the second start has its own metrics and admin ports (make run holds 9090 and 9091)');
  const cwd = mkdtempSync(join(tmpdir(), 'zlog-readme-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const ports = { '5560': await freePort(), '9092': await freePort(), '9093': await freePort() };
  const collector = spawn('bash', ['-c', `exec ${localize(startCmd.replace(/\\\n/g, ' '), ports)}`], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  collector.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<number | null>((r) => collector.once('exit', r));
  t.after(() => {
    if (collector.exitCode === null) collector.kill('SIGKILL');
  });
  await waitFor('the README collector ready', () => fetch(`http://127.0.0.1:${ports['9092']}/readyz`).then((r) => r.ok, () => false), 30_000);
  const py = spawnSync(PYTHON, ['-c', localize(snippet, ports)], { cwd, encoding: 'utf8', timeout: 30_000 });
  assert.equal(py.status, 0, py.stderr);
  const file = join(cwd, 'data', 'python.ndjson');
  await waitFor('the Python record in data/python.ndjson', () => existsSync(file) && readFileSync(file, 'utf8').includes('hello from Python'), 20_000);
  const rec = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').pop()!) as Record<string, unknown>;
  assert.deepEqual([rec.message, rec.severity, rec.topic, rec.input], ['hello from Python', 'info', 'INFO', 'python']);
  collector.kill('SIGTERM');
  assert.equal(await exited, 0, logs);
});

test('README: the tour\'s send writes the sample record it shows', { timeout: 90_000 }, async (t) => {
  const tour = blocks('sh', 'Five-minute tour')[0];
  const send = tour.slice(tour.indexOf('printf'), tour.indexOf('tail -3')).trim();
  const sample = JSON.parse(blocks('json', 'Five-minute tour')[0]) as Record<string, unknown>;
  const cwd = mkdtempSync(join(tmpdir(), 'zlog-readme-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  // The embedded defaults, on free ports (make run's fixed ports may be taken on a shared machine).
  const [pull, sub, native, http, admin] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const cli = join(repoRoot(), 'dist/collector/cli/main.js');
  const collector = spawn(process.execPath, [cli, 'start', '--port', String(native), '--metrics-port', String(http),
    '--set', `inputs[0].bind=["tcp://127.0.0.1:${pull}"]`, '--set', `inputs[1].bind=["tcp://127.0.0.1:${sub}"]`, '--set', `admin.port=${admin}`], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((r) => collector.once('exit', r));
  t.after(() => {
    if (collector.exitCode === null) collector.kill('SIGKILL');
  });
  await waitFor('collector ready', () => fetch(`http://127.0.0.1:${http}/readyz`).then((r) => r.ok, () => false), 30_000);
  const r = spawnSync('bash', ['-c', localize(send.replace(/\\\n/g, ' '), { '5557': native })], { cwd, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /3 records acknowledged/);
  const lines = readFileSync(join(cwd, 'data', 'zlog.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines[1], sample, 'the README shows what the collector writes');
  assert.deepEqual([lines[0].message, lines[2].severity, lines[2].message], ['hello', 'warning', 'disk 91%']);
  collector.kill('SIGTERM');
  assert.equal(await exited, 0);
});
