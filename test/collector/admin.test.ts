// The admin endpoints (POST /drain, GET /status) against the real collector process: the public listener refuses
// them, the loopback admin listener refuses browser-shaped and rebinding requests, and the preStop call drains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { cleanup, startCollector } from '../helpers/collector-process.js';

/** Raw request so the test controls every header (fetch adds its own Host and may not send Origin). */
function call(url: string, method: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.end();
  });
}

test('POST /drain on the public listener is refused and changes nothing; the loopback admin listener drains', { timeout: 60_000 }, async (t) => {
  // A short drain timeout: after a requested drain the process waits that long (at least 5 s) for a SIGTERM.
  const c = await startCollector({ pipeline: { ackMode: 'received', workers: 0 }, drain: { timeoutSeconds: 1 } });
  t.after(() => cleanup(c));
  const pub = await call(`${c.url}/drain`, 'POST');
  assert.equal(pub.status, 404, pub.body);
  assert.match(pub.body, /loopback admin listener only/);
  assert.equal((await call(`${c.url}/status`, 'GET')).status, 404);
  // A CORS "simple" POST from a page (text/plain body, Origin header) and a DNS-rebinding request both fail.
  const simple = await call(`${c.adminUrl}/drain`, 'POST', { origin: 'https://evil.example', 'content-type': 'text/plain' });
  assert.equal(simple.status, 403, simple.body);
  const rebinding = await call(`${c.adminUrl}/drain`, 'POST', { host: 'rebind.evil.example' });
  assert.equal(rebinding.status, 403, rebinding.body);
  assert.equal((await call(`${c.adminUrl}/drain`, 'GET')).status, 405);
  // Still serving: nothing above started a drain.
  assert.equal((await call(`${c.url}/readyz`, 'GET')).status, 200);
  assert.equal(await c.metric('zlog_draining'), 0);
  const status = JSON.parse((await call(`${c.adminUrl}/status`, 'GET')).body) as { ready: boolean; draining: boolean };
  assert.deepEqual([status.ready, status.draining], [true, false]);
  assert.equal(c.proc.exitCode, null);
  // The preStop hook's call.
  const res = await fetch(`${c.adminUrl}/drain`, { method: 'POST' });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { ok: boolean }).ok, true);
  assert.equal((await c.exit).code, 0);
});

test('the admin listener refuses a non-loopback bind address at config time', async () => {
  await assert.rejects(startCollector({ admin: { host: '0.0.0.0', port: 0 } }), /admin\.host: "0\.0\.0\.0" is not allowed/);
});
