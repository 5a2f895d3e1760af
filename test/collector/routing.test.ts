// Routing and filtering through the real collector process: each sink's `match`, global drop rules and
// routing.unmatched, with native clients acknowledged and the route metrics counted.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Push } from 'zeromq';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';

test('routing: each file sink gets exactly the records its match takes, drop rules remove theirs, all are acknowledged', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-route-'));
  const c = await startCollector(
    {
      pipeline: { ackMode: 'persisted', workers: 2 },
      sinks: [
        { id: 'main', type: 'file', path: join(dir, 'main') },
        { id: 'errors', type: 'file', path: join(dir, 'errors'), match: { minSeverity: 'err' } },
        { id: 'pulled', type: 'file', path: join(dir, 'pulled'), match: { inputs: ['pull'] } },
        { id: 'billing', type: 'file', path: join(dir, 'billing'), match: { app: ['billing-*'], fieldEquals: { 'fields.tenant': 'acme' } } },
      ],
      routing: { drop: [{ id: 'probes', app: ['kube-probe'] }, { id: 'debug-noise', inputs: ['native'], fieldExists: ['fields.noise'] }] },
    },
    { dir, readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  const client = new ZlogClient();
  client.connect(c.endpoints.native[0]);
  const sent: { msg: string; main: boolean; errors: boolean; billing: boolean }[] = [];
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 600; i++) {
    const kind = i % 6;
    let rec: Record<string, unknown>;
    if (kind === 0) rec = { message: `n${i}`, severity: 'info', app: 'web' };
    else if (kind === 1) rec = { message: `n${i}`, severity: 'crit', app: 'web' };
    else if (kind === 2) rec = { message: `n${i}`, severity: 'err', app: 'kube-probe' };
    else if (kind === 3) rec = { message: `n${i}`, severity: 'info', app: 'billing-api', tenant: 'acme' };
    else if (kind === 4) rec = { message: `n${i}`, severity: 'info', app: 'billing-api', tenant: 'other' };
    else rec = { message: `n${i}`, severity: 'emerg', noise: true };
    const dropped = kind === 2 || kind === 5;
    if (!dropped) sent.push({ msg: `n${i}`, main: true, errors: kind === 1, billing: kind === 3 });
    sends.push(client.send(JSON.stringify(rec)));
  }
  // Plain text on the PULL input takes the worker's fast path: routed by input only.
  const push = new Push({ sendTimeout: 5000 });
  push.connect(c.endpoints.pull[0]);
  for (let i = 0; i < 50; i++) await push.send(`plain ${i}`);
  push.close();
  await Promise.all(sends);
  await client.close();
  const lines = (sink: string) => c.records(join(dir, sink, 'zlog.ndjson')).map((r) => r.message as string);
  await waitFor('pulled records written', () => lines('pulled').length >= 50);
  const plain = Array.from({ length: 50 }, (_, i) => `plain ${i}`);
  const native = (f: (s: (typeof sent)[number]) => boolean) => sent.filter(f).map((s) => s.msg);
  assert.deepEqual(lines('errors'), native((s) => s.errors));
  assert.deepEqual(lines('billing'), native((s) => s.billing));
  assert.deepEqual(lines('pulled'), plain);
  const main = lines('main');
  assert.deepEqual(main.filter((m) => m.startsWith('n')), native(() => true), 'main (no match) takes everything not dropped, in order');
  assert.deepEqual(main.filter((m) => m.startsWith('plain')), plain);
  assert.equal(await c.metric('zlog_route_dropped_records_total', { rule: 'probes' }), 100);
  assert.equal(await c.metric('zlog_route_dropped_records_total', { rule: 'debug-noise' }), 100);
  assert.equal(await c.metric('zlog_route_matched_records_total', { component_id: 'errors' }), 100);
  assert.equal(await c.metric('zlog_route_matched_records_total', { component_id: 'billing' }), 100);
  assert.equal(await c.metric('zlog_route_matched_records_total', { component_id: 'main' }), 450);
  assert.equal(await c.metric('zlog_route_unmatched_records_total'), 0, 'main takes everything, so nothing is unmatched');
  assert.equal(await c.metric('zlog_component_sent_events_total', { component_id: 'billing' }), 100, 'a sink counts only what it wrote');
});

test('routing: records no match takes go to the first sink (counted); a dead sink that takes nothing holds up no ack', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-route-'));
  const dead = join(dir, 'dead');
  mkdirSync(dead);
  symlinkSync('/dev/full', join(dead, 'zlog.ndjson')); // every write fails: ENOSPC
  const c = await startCollector(
    {
      pipeline: { ackMode: 'persisted' },
      retry: { initialDelayMs: 10, maxDelayMs: 100 },
      sinks: [
        { id: 'first', type: 'file', path: join(dir, 'first'), match: { app: ['a'] } },
        { id: 'dead', type: 'file', path: dead, match: { app: ['never-sent'] } },
      ],
    },
    { dir, readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  const client = new ZlogClient({ deliveryTimeoutMs: 30_000 });
  client.connect(c.endpoints.native[0]);
  await Promise.all(Array.from({ length: 40 }, (_, i) => client.send(JSON.stringify({ message: `m${i}`, app: i % 2 ? 'a' : 'b' }))));
  await client.close();
  assert.deepEqual(
    c.records(join(dir, 'first', 'zlog.ndjson')).map((r) => r.message),
    Array.from({ length: 40 }, (_, i) => `m${i}`),
  );
  assert.equal(await c.metric('zlog_route_unmatched_records_total', { action: 'first' }), 20);
  assert.equal(await c.metric('zlog_sink_retries_total', { component_id: 'dead' }), 0, 'the dead sink was never written to');
});

test('routing: a match naming an unknown input or two drop rules with one id are refused at start, naming the field', { timeout: 60_000 }, async () => {
  await assert.rejects(
    startCollector({ sinks: [{ id: 'f', type: 'file', match: { inputs: ['nope'] } }] }, { readyTimeoutMs: 60_000 }),
    /sinks\[0\]\.match\.inputs\[0\]: no input has id "nope"/,
  );
  await assert.rejects(
    startCollector({ routing: { drop: [{ id: 'x', app: ['a'] }, { id: 'x', app: ['b'] }] } }, { readyTimeoutMs: 60_000 }),
    /routing\.drop\[1\]\.id: "x" is already used/,
  );
});
