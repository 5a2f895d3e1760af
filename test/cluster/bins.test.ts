// The built binaries are the pinned upstream versions, and a missing one is reported clearly.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BIN_NAMES, binPath, versions } from './bins.js';

const run = promisify(execFile);

test('binPath names the missing binary, where it looked and how to build it', { timeout: 10_000 }, async () => {
  const empty = await mkdtemp(join(tmpdir(), 'zlog-bins-'));
  const saved = process.env.ZLOG_BIN_CACHE;
  process.env.ZLOG_BIN_CACHE = empty;
  try {
    for (const name of BIN_NAMES) {
      assert.throws(
        () => binPath(name),
        (err: Error) =>
          err.message.includes(`'${name}' does not exist`) &&
          err.message.includes(join(empty, '')) &&
          err.message.includes('make test-bins'),
      );
    }
  } finally {
    if (saved === undefined) delete process.env.ZLOG_BIN_CACHE;
    else process.env.ZLOG_BIN_CACHE = saved;
    await rm(empty, { recursive: true, force: true });
  }
});

test('an override that is not an executable file is refused with its origin', { timeout: 10_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zlog-bins-'));
  const plain = join(dir, 'kwok');
  await writeFile(plain, '#!/bin/sh\n', { mode: 0o644 });
  try {
    for (const path of [plain, dir]) {
      process.env.ZLOG_BIN_KWOK = path;
      assert.throws(() => binPath('kwok'), { message: new RegExp(`'kwok' is not executable: ${path} \\(set by ZLOG_BIN_KWOK\\)`) });
    }
  } finally {
    delete process.env.ZLOG_BIN_KWOK;
    await rm(dir, { recursive: true, force: true });
  }
});

test('every binary reports the version it is pinned to', { timeout: 60_000 }, async () => {
  const v = versions();
  const out = async (name: Parameters<typeof binPath>[0], args: string[]): Promise<string> => {
    const r = await run(binPath(name), args, { timeout: 20_000 });
    return r.stdout + r.stderr;
  };
  assert.match(await out('etcd', ['--version']), new RegExp(`etcd Version: ${v.ETCD_VERSION.slice(1).replace(/\./g, '\\.')}\\n`));
  for (const k of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'] as const) {
    assert.equal((await out(k, ['--version'])).trim(), `Kubernetes ${v.KUBERNETES_VERSION}`, k);
  }
  const kubectl = JSON.parse(await out('kubectl', ['version', '--client', '-o', 'json']));
  assert.equal(kubectl.clientVersion.gitVersion, v.KUBERNETES_VERSION);
  assert.equal(kubectl.clientVersion.minor, v.KUBERNETES_VERSION.split('.')[1]);
  assert.match(await out('coredns', ['-version']), new RegExp(`^CoreDNS-${v.COREDNS_VERSION.slice(1).replace(/\./g, '\\.')}\n`));
  assert.match(await out('kwok', ['--version']), new RegExp(v.KWOK_VERSION.replace(/\./g, '\\.')));
  assert.equal((await out('helm', ['version', '--template', '{{.Version}}'])).trim(), v.HELM_VERSION);
  assert.equal((await out('victoria-logs', ['-version'])).trim(), `victoria-logs-${v.VICTORIALOGS_VERSION}`);
  // Offline, helm assumes the Kubernetes version built into it: ours, not its v1.20 default.
  const chart = mkdtempSync(join(tmpdir(), 'zlog-helm-'));
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
  mkdirSync(join(chart, 'templates'));
  writeFileSync(join(chart, 'templates', 'v.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v}\ndata: {kube: "{{ .Capabilities.KubeVersion.Version }}"}\n');
  const kubeMinor = v.KUBERNETES_VERSION.split('.').slice(0, 2).join('.');
  assert.match(await out('helm', ['template', chart]), new RegExp(`kube: "${kubeMinor.replace(/\./g, '\\.')}\\.0"`));
  rmSync(chart, { recursive: true, force: true });
});
