// Components never outlive the process that started them: not after stop(), not after SIGINT or
// SIGTERM, not even after SIGKILL (the watchdog), and clusters started one after another do not
// leak processes or ports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isAlive, startCluster } from './harness.js';

async function allGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(isAlive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(200);
  }
}

async function canListen(port: number): Promise<boolean> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

test('clusters started one after another leave no process, port or directory behind', { timeout: 240_000 }, async () => {
  for (let i = 0; i < 3; i++) {
    const c = await startCluster({ name: `seq-${i}` });
    const pids = Object.values(c.pids);
    const port = Number(new URL(c.server).port);
    assert.equal(pids.length, 2, 'etcd and kube-apiserver');
    assert.equal((await c.kubectlOk(['get', 'namespace', 'default', '-o', 'name'])).trim(), 'namespace/default');
    await c.stop();
    assert.deepEqual(pids.filter(isAlive), [], `cluster ${i} left processes running`);
    assert.equal(await canListen(port), true, `cluster ${i} left port ${port} bound`);
    assert.equal(existsSync(c.dir), false);
    await c.stop(); // idempotent
  }
});

const holder = fileURLToPath(new URL('./hold-cluster.js', import.meta.url));

for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
  test(`${signal} to the test process takes the cluster down`, { timeout: 180_000 }, async () => {
    const child = spawn(process.execPath, [holder], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      const line = await Promise.race([
        new Promise<string>((r) => createInterface({ input: child.stdout }).once('line', r)),
        exited.then(() => assert.fail(`hold-cluster exited before the cluster was up: ${stderr}`)),
        sleep(150_000, undefined, { ref: false }).then(() => assert.fail('hold-cluster did not report a cluster within 150 s')),
      ]);
      const info = JSON.parse(line) as { pids: Record<string, number>; dir: string };
      const pids = Object.values(info.pids);
      assert.equal(pids.length, 2);
      assert.deepEqual(pids.filter(isAlive), pids);
      child.kill(signal);
      await exited;
      // The watchdog polls once a second; graceful shutdown gives each component up to 5 s.
      assert.deepEqual(await allGone(pids, 20_000), [], `${signal}: components still running`);
      const deadline = Date.now() + 10_000;
      while (existsSync(info.dir) && Date.now() < deadline) await sleep(200);
      assert.equal(existsSync(info.dir), false, `${signal}: ${info.dir} was not removed`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
}
