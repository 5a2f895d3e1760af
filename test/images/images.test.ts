// The image proof: both Dockerfiles are built with buildah (scripts/build-images.sh, on a Node base assembled
// locally because no registry is reachable), then the collector image is run from its own root filesystem the way
// a restricted pod runs it (read-only root, non-root user, its entrypoint as PID 1, volumes for config and data):
// it answers /readyz, accepts and persists acknowledged records, and drains and exits 0 on SIGTERM to PID 1.
// The operator image, run the same way with the chart's ServiceAccount token, reconciles a LogServer on a real
// API server and exits 0 on SIGTERM.
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { renderCollectorConfig } from '../../operator/api/collector-config.js';
import { validateSpec } from '../../operator/api/validate.js';
import { ZlogClient } from '../../collector/client/client.js';
import { repoRoot } from '../cluster/bins.js';
import { useCluster } from '../cluster/harness.js';
import { chartDir, helm } from '../chart/helm.js';
import { readSinkMessages } from '../e2e/lib/collector.js';
import { freePort, httpGet, waitFor } from '../e2e/lib/ports.js';
import { BUILDAH_ENV, buildah, childrenOf, imageConfig, mountImage, runImage } from './rootfs.js';
import { skipUnless } from '../helpers/requirement.js';
import { exampleLogServer } from '../helpers/example.js';

const PREFIX = 'localhost/zlog-test';
const TAG = 'images-test';
const COLLECTOR = `${PREFIX}/collector:${TAG}`;
const OPERATOR = `${PREFIX}/operator:${TAG}`;
const UID = 65532;

function hasBuildah(): boolean {
  try {
    return existsSync('/usr/bin/buildah') && process.getuid?.() === 0;
  } catch {
    return false;
  }
}
const skip = skipUnless(!hasBuildah() && 'needs buildah and root (make system-deps installs buildah)');

/** Files under dir (relative), for content assertions on the image. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = join(rel, e.name);
    if (e.isDirectory()) out.push(...walk(dir, p));
    else out.push(p);
  }
  return out;
}

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

describe('container images', { skip, timeout: 1_200_000 }, () => {
  const built: Record<string, { size: string; seconds: number }> = {};

  test('scripts/build-images.sh builds both Dockerfiles with buildah', { timeout: 1_200_000 }, async (t) => {
    const t0 = Date.now();
    const { stdout } = await promisify(execFile)('bash', [join(repoRoot(), 'scripts/build-images.sh')], {
      env: { ...BUILDAH_ENV, ZLOG_IMAGE_TAG: TAG, ZLOG_IMAGE_PREFIX: PREFIX, ZLOG_IMAGE_ENGINE: 'buildah' },
      timeout: 1_150_000,
      maxBuffer: 64 << 20,
    });
    // One line per image: name, size, seconds.
    for (const line of stdout.trim().split('\n')) {
      const [name, ...rest] = line.split(' ');
      built[name] = { size: rest.slice(0, -1).join(' '), seconds: Number(rest.at(-1)?.replace(/s$/, '')) };
    }
    t.diagnostic(`built in ${Math.round((Date.now() - t0) / 1000)} s: ${JSON.stringify(built)}`);
    assert.ok(built[COLLECTOR] && built[OPERATOR], `build-images.sh printed: ${stdout}`);
  });

  test('the collector image: non-root, tini entrypoint, production files only', async (t) => {
    const cfg = await imageConfig(COLLECTOR);
    assert.equal(cfg.User, `${UID}:${UID}`);
    assert.deepEqual(cfg.Entrypoint?.slice(0, 2), ['/usr/bin/tini', '--']);
    const { rootfs, release } = await mountImage(COLLECTOR);
    t.after(release);
    const files = walk(join(rootfs, 'app/dist'));
    assert.ok(files.includes('collector/cli/main.js'));
    assert.deepEqual(files.filter((f) => !f.startsWith('collector/')), [], 'only the collector is compiled into this image');
    assert.deepEqual(files.filter((f) => /\.test\.js$|\.map$|\.ts$/.test(f)), [], 'tests, source maps or sources in the image');
    for (const dev of ['typescript', 'fast-check', 'kubernetes-models', '@types', '@kubernetes/client-node']) {
      assert.ok(!existsSync(join(rootfs, 'app/node_modules', dev)), `${dev} is in the collector image`);
    }
    assert.ok(!existsSync(join(rootfs, 'usr/local/lib/node_modules/npm')), 'npm is in the runtime image');
    // Only this platform's prebuilt zeromq addon.
    assert.deepEqual(readdirSync(join(rootfs, 'app/node_modules/zeromq/build')).sort(), ['linux', 'manifest.json']);
  });

  test('the collector image has `zlog` on PATH, as the docs\' `kubectl exec POD -- zlog ...` use it', { timeout: 120_000 }, async (t) => {
    const cfg = await imageConfig(COLLECTOR);
    const { rootfs, release } = await mountImage(COLLECTOR);
    t.after(release);
    for (const [argv, expected] of [[['zlog', '--help'], /Usage: zlog \[options\] \[command\]/], [['zlog', 'health-check', '--help'], /probe \/healthz/]] as const) {
      const c = runImage(rootfs, cfg, { exec: [...argv] });
      t.after(() => c.kill());
      const exit = await Promise.race([c.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${argv.join(' ')} still running: ${c.output()}`)), 60_000).unref())]);
      assert.deepEqual(exit, { code: 0, signal: null }, `${argv.join(' ')}: ${c.output()}`);
      assert.match(c.output(), expected);
    }
  });

  test('the collector image runs read-only as uid 65532 under tini, takes records, drains on SIGTERM to PID 1', { timeout: 180_000 }, async (t) => {
    const cfg = await imageConfig(COLLECTOR);
    const { rootfs, release } = await mountImage(COLLECTOR);
    t.after(release);
    const dir = mkdtempSync(join(tmpdir(), 'zlog-image-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // The configuration the operator renders for examples/logserver.yaml, as the pod gets it in its ConfigMap, with
    // every listener moved to a free loopback port (tests here bind nothing else).
    const spec = validateSpec(exampleLogServer().spec);
    assert.ok(spec.ok, JSON.stringify(spec));
    const rendered = renderCollectorConfig(spec.spec);
    const ports = new Map<string, number>();
    for (const input of rendered.inputs) {
      ports.set(input.id, await freePort());
      input.bind = [`tcp://127.0.0.1:${ports.get(input.id)}`];
    }
    const httpPort = await freePort();
    rendered.http = { host: '127.0.0.1', port: httpPort };
    rendered.admin = { host: '127.0.0.1', port: await freePort() };
    const native = rendered.inputs.find((i) => i.type === 'zmq-router');
    const fileSink = rendered.sinks.find((k) => k.type === 'file');
    assert.ok(native && fileSink && fileSink.type === 'file' && fileSink.path.startsWith('/var/lib/zlog/'), 'the example needs a native input and a file sink');
    const nativePort = ports.get(native.id);
    mkdirSync(join(dir, 'config'));
    mkdirSync(join(dir, 'data'));
    chownSync(join(dir, 'data'), UID, UID);
    writeFileSync(join(dir, 'config/config.yaml'), stringify(rendered));
    // Mounted where the operator's Deployment mounts the ConfigMap and the data volume (owned by the pod's fsGroup).
    const c = runImage(rootfs, cfg, { volumes: { [join(dir, 'config')]: '/etc/zlog', [join(dir, 'data')]: '/var/lib/zlog' } });
    t.after(() => c.kill());
    const url = `http://127.0.0.1:${httpPort}`;
    let gone = false;
    void c.exited.then(() => (gone = true));
    await waitFor('/readyz from the image', async () => {
      if (gone) throw new Error(`exited: ${c.output()}`);
      return (await httpGet(`${url}/readyz`, 1000)).status === 200;
    }, 60_000);

    // PID 1 is tini; node is its child and runs as the image's user on a read-only root.
    const pid1 = c.pid1();
    assert.ok(pid1, 'no PID 1 inside');
    assert.equal(readFileSync(`/proc/${pid1}/comm`, 'utf8').trim(), 'tini');
    const node = childrenOf(pid1)[0];
    assert.ok(node, 'tini has no child');
    assert.equal(readFileSync(`/proc/${node}/comm`, 'utf8').trim(), 'node');
    assert.equal(uidOf(node), UID);
    assert.throws(() => writeFileSync(`/proc/${node}/root/app/probe`, 'x'), /EROFS/, 'the root filesystem is writable');

    const client = new ZlogClient();
    t.after(() => client.close(1000));
    client.connect(`tcp://127.0.0.1:${nativePort}`);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => client.send(`image-${i}`)));
    const metrics = (await httpGet(`${url}/metrics`)).body;
    assert.match(metrics, new RegExp(`zlog_component_received_events_total\\{component_id="${native.id}"[^}]*\\} 1000`));
    await client.close(5000);

    // PULL/SUB inputs run on the native receive addon built in the image (its own libzmq, scripts/build-libzmq.sh).
    const pull = rendered.inputs.find((i) => i.type === 'zmq-pull');
    assert.ok(pull, 'the example needs a zmq-pull input');
    assert.match(c.output(), new RegExp(`"id":"${pull.id}","type":"zmq-pull","endpoints":\\[[^\\]]*\\],"receiver":"native"`));
    const push = new zmq.Push({ linger: 1000 });
    t.after(() => push.close());
    push.connect(`tcp://127.0.0.1:${ports.get(pull.id)}`);
    for (let i = 0; i < 100; i++) await push.send(`<13>Nov 29 12:00:00 host app: image-pull-${i}`);
    await waitFor('100 records through the native PULL input', async () => {
      const m = (await httpGet(`${url}/metrics`)).body;
      return new RegExp(`zlog_component_received_events_total\\{component_id="${pull.id}"[^}]*\\} 100\\b`).test(m);
    }, 30_000);

    c.signal('SIGTERM');
    const exit = await Promise.race([c.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no exit 60 s after SIGTERM: ${c.output()}`)), 60_000).unref())]);
    assert.deepEqual(exit, { code: 0, signal: null }, c.output());
    assert.match(c.output(), /"msg":"drain finished"/);
    const stored = new Set(readSinkMessages(join(dir, 'data', fileSink.path.slice('/var/lib/zlog/'.length))));
    for (let i = 0; i < 1000; i++) assert.ok(stored.has(`image-${i}`), `image-${i} acknowledged but not in the data volume`);
  });

  test('the operator image: non-root, no zeromq; run from its rootfs it reconciles a LogServer on a real API server', { timeout: 300_000 }, async (t) => {
    const cfg = await imageConfig(OPERATOR);
    assert.equal(cfg.User, `${UID}:${UID}`);
    assert.deepEqual(cfg.Entrypoint, ['/usr/bin/tini', '--', 'node', '--max-semi-space-size=1', '/app/dist/operator/main.js']);
    const { rootfs, release } = await mountImage(OPERATOR);
    t.after(release);
    assert.ok(existsSync(join(rootfs, 'app/dist/operator/main.js')), 'dist/operator/main.js missing');
    assert.ok(!existsSync(join(rootfs, 'app/node_modules/zeromq')), 'zeromq is in the operator image');
    assert.ok(!existsSync(join(rootfs, 'app/node_modules/typescript')), 'typescript is in the operator image');
    // The operator imports only client-node's types (erased at compile time): the run below proves it needs no more.
    assert.ok(!existsSync(join(rootfs, 'app/node_modules/@kubernetes/client-node')), '@kubernetes/client-node is in the operator image');

    // The chart's CRD, ServiceAccount and RBAC on a real API server (no controllers needed: the operator only writes).
    const cluster = await useCluster(t, { name: 'images-operator' });
    const inst = await helm(['install', 'zlog', chartDir(), '-n', 'zlog-system', '--create-namespace', '--kubeconfig', cluster.kubeconfig], { timeoutMs: 180_000 });
    assert.equal(inst.code, 0, inst.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'zlog-opimage-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // The kubeconfig embeds the CA and the ServiceAccount's token, so it works from inside the image's root.
    const kubeconfig = await cluster.writeKubeconfigFor({ serviceAccount: { namespace: 'zlog-system', name: 'zlog-operator' } }, join(dir, 'kubeconfig'));
    chownSync(kubeconfig, UID, UID);
    chownSync(dir, UID, UID); // mkdtemp makes it 0700: the image's user must be able to enter it
    const metricsPort = await freePort();
    const op = runImage(rootfs, cfg, {
      args: ['--kubeconfig', '/mnt/kubeconfig', `--metrics-bind-address=127.0.0.1:${metricsPort}`, '--no-leader-elect'],
      volumes: { [dir]: '/mnt' },
    });
    t.after(() => op.kill());
    let gone = false;
    void op.exited.then(() => (gone = true));
    await waitFor('the operator image /readyz', async () => {
      if (gone) throw new Error(`exited: ${op.output()}`);
      return (await httpGet(`http://127.0.0.1:${metricsPort}/readyz`, 1000)).status === 200;
    }, 60_000);

    await cluster.createNamespace('logging');
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', metadata: { name: 'zlog', namespace: 'logging' }, spec: { replicas: 2 } }),
    });
    await waitFor('the Deployment and Service the operator creates', async () => {
      const r = await cluster.kubectl(['get', 'deployment/zlog', 'service/zlog', 'configmap/zlog-config', '-n', 'logging']);
      return r.code === 0;
    }, 60_000, 500).catch((e: Error) => assert.fail(`${e.message}\noperator output:\n${op.output().slice(-3000)}`));
    await waitFor('the LogServer status endpoint', async () => {
      const cur = JSON.parse(await cluster.kubectlOk(['get', 'logserver', 'zlog', '-n', 'logging', '-o', 'json'])) as { status?: { endpoint?: string } };
      return cur.status?.endpoint === 'tcp://zlog.logging.svc:5555';
    }, 60_000, 500);
    assert.doesNotMatch(op.output(), /forbidden/i, 'the operator hit RBAC refusals');

    op.signal('SIGTERM');
    const exit = await Promise.race([op.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no exit 30 s after SIGTERM: ${op.output()}`)), 30_000).unref())]);
    assert.deepEqual(exit, { code: 0, signal: null }, op.output().slice(-3000));
  });
});
