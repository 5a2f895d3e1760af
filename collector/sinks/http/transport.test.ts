// HttpTransport against a real TLS server on loopback (certificates made here with openssl).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { validateConfig } from '../../config/load.js';
import type { ElasticsearchSinkConfig } from '../elasticsearch/schema.js';
import { makeCertificates } from '../../../test/helpers/certificates.js';
import { HttpTransport } from './transport.js';

test('close() returns while a request is failing its TLS verification (undici Agent.close waited for ever; the collector never exited after a drain)', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-transport-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pem = makeCertificates(dir, 'localhost');
  const server = createServer({ key: readFileSync(pem.key), cert: readFileSync(pem.cert) }, (_req, res) => res.end('{}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  // The certificate names localhost, the endpoint 127.0.0.1: every handshake fails verification. No gzip, so the
  // second request reaches the agent before close() is called.
  const cfg = validateConfig({ sinks: [{ id: 'es', type: 'elasticsearch', endpoint: `https://127.0.0.1:${port}`, tls: { caFile: pem.ca }, compression: 'none' }] }).sinks[0] as ElasticsearchSinkConfig;
  const transport = new HttpTransport('es', cfg, pino({ level: 'silent' }));
  await assert.rejects(transport.post('/_bulk', Buffer.from('{}\n'), 'application/x-ndjson'), /does not match certificate's altnames/);
  const inFlight = transport.post('/_bulk', Buffer.from('{}\n'), 'application/x-ndjson').catch((err: Error) => err);
  let closed = false;
  const closing = transport.close().then(() => (closed = true));
  // Bounded wait (a liveness check, not a timing one): before the fix close() never resolved.
  for (let i = 0; i < 200 && !closed; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(closed, 'close() resolved');
  await closing;
  assert.ok((await inFlight) instanceof Error, 'the request in flight failed');
});
