// A collector whose CURVE input cannot bind must exit (code 1) instead of staying up half-closed, and a SIGHUP
// in that state must not throw from the key reload into a closed receiver (attacker report, session 3: the
// process outlived "collector failed to start" by 30 s, then a SIGHUP ended it with "setClientKeys on a receiver
// without curve").
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from '../helpers/collector-process.js';
import { makeKeys } from '../helpers/curve-keys.js';
import { freePort } from '../helpers/net.js';

test('a CURVE input on a port already taken: start fails, the process exits 1 and a SIGHUP meanwhile does not crash it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-startfail-'));
  const keys = makeKeys(dir, ['good'], []);
  const held = createServer();
  const port = await new Promise<number>((resolve) => held.listen(0, '127.0.0.1', () => resolve((held.address() as { port: number }).port)));
  const [http, admin] = [await freePort(), await freePort()];
  const cfg = {
    inputs: [{ id: 'pull', type: 'zmq-pull', bind: [`tcp://127.0.0.1:${port}`], receiver: 'native', security: keys.security }],
    sinks: [{ id: 'file', type: 'file', path: join(dir, 'data'), fsync: 'never' }],
    http: { host: '127.0.0.1', port: http },
    admin: { host: '127.0.0.1', port: admin },
  };
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify(cfg));
  const child = spawn(process.execPath, [CLI, 'start', '--config', join(dir, 'cfg.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    // Once the failure is logged, a SIGHUP (key rotation tooling, kubectl) reaches the half-closed collector.
    for (let i = 0; i < 300 && !out.includes('collector failed to start') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(out.includes('collector failed to start'), out);
    child.kill('SIGHUP');
    const code = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000))]);
    assert.equal(code, 1, `exit ${String(code)}; output:\n${out}`);
    assert.ok(!out.includes('setClientKeys on a receiver without curve'), out);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    held.close();
  }
});
