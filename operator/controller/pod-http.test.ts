import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { podGet } from './pod-http.js';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test('podGet: status and body; the reason when there is no answer (refused, timeout, too long)', async (t) => {
  const held: Array<{ destroy(): void }> = [];
  const { server, port } = await serve((req, res) => {
    if (req.url === '/big') return void res.end('x'.repeat(10_000));
    if (req.url === '/hang') return void held.push(res.socket!);
    res.writeHead(503, { 'content-type': 'text/plain' }).end('[-]sink:file failed: disk full\n');
  });
  t.after(() => {
    for (const s of held) s.destroy();
    server.close();
  });
  assert.deepEqual(await podGet('127.0.0.1', port, '/readyz', 2000, 1000), { status: 503, body: '[-]sink:file failed: disk full\n' });
  await assert.rejects(podGet('127.0.0.1', port, '/big', 2000, 1000), /^Error: answer over 1000 bytes$/);
  await assert.rejects(podGet('127.0.0.1', port, '/hang', 300, 1000), /^Error: timeout$/);
  const closed = await serve(() => undefined);
  await new Promise((r) => closed.server.close(r));
  await assert.rejects(podGet('127.0.0.1', closed.port, '/readyz', 2000, 1000), /^Error: ECONNREFUSED$/);
});

// What the sweeps ask pods for, run in a process of its own that has used no fetch before: it must not load
// Node's bundled undici (about 10 MiB more RSS with one connection pool per pod IP, pod-http.ts).
test("asking pods for /sinks and /readyz loads no undici (the global fetch's client)", () => {
  const sink = pathToFileURL(fileURLToPath(new URL('./sink-health.js', import.meta.url))).href;
  const pod = pathToFileURL(fileURLToPath(new URL('./pod-health.js', import.meta.url))).href;
  const script = `
    import http from 'node:http';
    import { fetchPodSinks } from ${JSON.stringify(sink)};
    import { probeReadyz } from ${JSON.stringify(pod)};
    const server = http.createServer((req, res) => {
      if (req.url === '/sinks') res.end(JSON.stringify({ sinks: [{ id: 'f', type: 'file', state: 'healthy', queue: { records: 0, bytes: 0, batches: 0, maxBytes: 10, maxBatches: 1, full: false }, buffer: null, lastError: null }] }));
      else res.writeHead(503).end('[-]sink:f failed: no\\n');
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const port = server.address().port;
    const sinks = await fetchPodSinks('p-0', '127.0.0.1', port);
    const ready = await probeReadyz('127.0.0.1', port);
    server.close();
    console.log(JSON.stringify({ sinks: sinks?.sinks.map((s) => s.id), ready, undici: process.moduleLoadList.filter((m) => /undici/.test(m)) }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { sinks: string[]; ready: unknown; undici: string[] };
  assert.deepEqual(out.sinks, ['f']);
  assert.deepEqual(out.ready, { checks: ['sink:f'] });
  assert.deepEqual(out.undici, [], 'undici was loaded');
});
