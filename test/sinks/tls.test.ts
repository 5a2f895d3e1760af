// TLS to a remote store (issue 10, "Sinks"): an https sink verifies the store's certificate by default, trusts a CA
// bundle given as a file (tls.caFile; a LogServer mounts it from a Secret, tls.caSecret), and turns verification off
// only when told to (tls.insecureSkipVerify), which it logs at start. The store is the real VictoriaLogs serving
// https with a certificate from a CA made here (openssl), and plain http on a second address for the queries.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import type { SinkHealth } from '../../collector/sinks/health.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import { makeCertificates } from '../helpers/certificates.js';
import { freePort } from '../helpers/net.js';
import { forceFlush, skipWithoutVictoriaLogs, startVictoriaLogs } from '../helpers/victorialogs.js';

test('an https sink verifies the store certificate by default, trusts tls.caFile, and skips verification only when told to (logged)', { skip: skipWithoutVictoriaLogs(), timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pem = makeCertificates(dir, '127.0.0.1');
  // VictoriaLogs' per-address flags: the helper's plain address first, then an https one.
  const tlsPort = await freePort();
  const vl = await startVictoriaLogs({
    extraArgs: [`-httpListenAddr=127.0.0.1:${tlsPort}`, '-tls=false', '-tls=true', '-tlsCertFile=', `-tlsCertFile=${pem.cert}`, '-tlsKeyFile=', `-tlsKeyFile=${pem.key}`],
  });
  t.after(() => vl.cleanup());
  const https = `https://127.0.0.1:${tlsPort}/insert/elasticsearch`;
  const c = await startCollector(
    {
      pipeline: { ackMode: 'persisted', workers: 1 },
      retry: { initialDelayMs: 50, maxDelayMs: 500 },
      sinks: [
        { id: 'strict', type: 'elasticsearch', endpoint: https, match: { app: ['strict'] } },
        { id: 'trusted', type: 'elasticsearch', endpoint: https, tls: { caFile: pem.ca }, match: { app: ['trusted'] } },
        { id: 'unverified', type: 'elasticsearch', endpoint: https, tls: { insecureSkipVerify: true }, match: { app: ['unverified'] } },
      ],
    },
    { dir, readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  const tag = `tls${Date.now()}`;
  const client = new ZlogClient({ maxBatchRecords: 1, maxDelayMs: 1, ackTimeoutMs: 5000, deliveryTimeoutMs: 15_000 });
  client.connect(c.endpoints.native[0]);
  t.after(() => client.close(100).catch(() => {}));
  const send = (app: string) => client.send(JSON.stringify({ app, message: `${tag} ${app}` })).then(() => 'acked', (e: { reason?: string }) => e.reason ?? String(e));

  // Persisted ACKs, one record per batch: a record is acknowledged only once its sink's store took it.
  assert.equal(await send('trusted'), 'acked', 'the CA bundle makes the store trusted');
  assert.equal(await send('unverified'), 'acked', 'verification off: accepted');
  assert.equal(await send('strict'), 'timeout', 'a certificate no trusted CA signed is refused: never acknowledged');

  const res = await fetch(`${c.url}/sinks`);
  const health = Object.fromEntries(((await res.json()) as { sinks: SinkHealth[] }).sinks.map((s) => [s.id, s]));
  assert.equal(health.strict.state, 'retrying');
  assert.match(health.strict.lastError?.message ?? '', /certificate|self[- ]signed|UNABLE_TO_VERIFY/i, JSON.stringify(health.strict.lastError));
  assert.equal(health.trusted.state, 'healthy');
  assert.equal(health.trusted.lastError, null);
  // The opt-out is loud: one warning at start naming the sink; the verifying sinks log none.
  const warnings = c.logs.filter((l) => l.includes('TLS certificate verification is OFF'));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /"sink":"unverified"/);

  await forceFlush(vl);
  await waitFor('the two accepted records in the store', async () => (await vl.count(`"${tag}"`)) === 2, 30_000);
  const stored = (await vl.query(`"${tag}"`)).map((r) => r._msg).sort();
  assert.deepEqual(stored, [`${tag} trusted`, `${tag} unverified`]);
});
