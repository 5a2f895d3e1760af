// A cluster that cannot start says which component failed and why, and leaves nothing running.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import { ClusterStartError, isAlive, startCluster, type Cluster } from './harness.js';

async function expectStartError(p: Promise<Cluster>): Promise<ClusterStartError> {
  try {
    const c = await p;
    await c.stop();
  } catch (err) {
    assert.ok(err instanceof ClusterStartError, `expected a ClusterStartError, got ${String(err)}`);
    return err;
  }
  assert.fail('the cluster started although it should not have');
}

function assertNothingLeft(err: ClusterStartError): void {
  for (const pid of err.startedPids) assert.equal(isAlive(pid), false, `pid ${pid} is still running after a failed start`);
  assert.equal(existsSync(err.dir), false, `${err.dir} was not removed`);
}

async function listenOn(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

describe('cluster start faults', { timeout: 240_000 }, () => {
  test('a missing binary is named before anything starts', { timeout: 30_000 }, async () => {
    const err = await expectStartError(
      startCluster({ name: 'missing-bin', kwokNodes: 1, bins: { kwok: '/nonexistent/kwok' } }),
    );
    assert.match(err.message, /'kwok' does not exist: \/nonexistent\/kwok/);
    assert.match(err.message, /make test-bins/);
    assert.deepEqual(err.startedPids, []);
    assertNothingLeft(err);
  });

  test('an API server port that is taken is reported as such, and etcd is stopped', { timeout: 120_000 }, async () => {
    const { server, port } = await listenOn();
    try {
      const err = await expectStartError(startCluster({ name: 'port-taken', ports: { apiserver: port } }));
      assert.equal(err.component, 'kube-apiserver');
      assert.match(err.message, /kube-apiserver \(pid \d+\) exited with code \d+ during start/);
      assert.match(err.message, new RegExp(`already in use \\(its ports: ${port}\\)`));
      assert.equal(err.startedPids.length, 2, 'etcd and kube-apiserver were started');
      assertNothingLeft(err);
    } finally {
      server.close();
    }
  });

  test('an etcd port that is taken names etcd', { timeout: 60_000 }, async () => {
    const { server, port } = await listenOn();
    try {
      const err = await expectStartError(startCluster({ name: 'etcd-port', ports: { etcd: port } }));
      assert.equal(err.component, 'etcd');
      assert.match(err.message, /etcd \(pid \d+\) exited with code \d+ during start because a port it was given is already in use/);
      assertNothingLeft(err);
    } finally {
      server.close();
    }
  });

  test('a component that dies during start is named with its log', { timeout: 120_000 }, async () => {
    const err = await expectStartError(
      startCluster({ name: 'dies', extraArgs: { 'kube-apiserver': ['--no-such-flag=1'] } }),
    );
    assert.equal(err.component, 'kube-apiserver');
    assert.match(err.message, /exited with code [1-9]\d* during start/);
    assert.match(err.message, /unknown flag: --no-such-flag/);
    assertNothingLeft(err);
  });

  test('a component that dies after the start is named when kubectl fails', { timeout: 60_000 }, async () => {
    const c = await startCluster({ name: 'dies-later' });
    try {
      const pid = c.pids['kube-apiserver']!;
      process.kill(pid, 'SIGKILL');
      while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
      await assert.rejects(
        c.kubectlOk(['get', 'namespaces'], { timeoutMs: 20_000 }),
        new RegExp(`(connection refused|connection to the server \\S+ was refused).*\\[kube-apiserver \\(pid ${pid}\\) has exited with SIGKILL; see .*kube-apiserver\\.log\\]`, 's'),
      );
    } finally {
      await c.stop();
    }
    assert.equal(Object.keys(c.pids).length, 0);
  });

  test('a component that never becomes ready times out instead of hanging', { timeout: 60_000 }, async () => {
    // Stands in for an API server that hangs before serving: it ignores its flags and sleeps.
    const dir = await mkdtemp(join(tmpdir(), 'zlog-hang-'));
    const hang = join(dir, 'kube-apiserver');
    await writeFile(hang, '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    try {
      const err = await expectStartError(startCluster({ name: 'never-ready', readyTimeoutMs: 5_000, bins: { 'kube-apiserver': hang } }));
      assert.equal(err.component, 'kube-apiserver');
      assert.match(err.message, /kube-apiserver \(pid \d+\) not ready after 5 s \(GET https:\/\/127\.0\.0\.1:\d+\/readyz; last error: connect ECONNREFUSED/);
      assertNothingLeft(err);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
