// The elasticsearch and loki sinks against a real VictoriaLogs (built by `make test-bins`): every record a native
// client got a persisted-mode ACK for is found by a LogsQL query, with its fields; while the store is down nothing
// is acknowledged and nothing is lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import { forceFlush, skipWithoutVictoriaLogs, startVictoriaLogs, type VictoriaLogs } from '../helpers/victorialogs.js';

const skip = skipWithoutVictoriaLogs();

const SEVERITY = ['err', 'warning', 'info', 'debug'] as const;
const PRI = { err: 11, warning: 12, info: 14, debug: 15 } as const;

/** N syslog lines with a unique run tag, spread over hosts, apps and severities; sent and all acknowledged. */
async function sendAll(endpoint: string, tag: string, n: number): Promise<void> {
  // ackTimeoutMs well above a persisted write's time under load: these tests count what the sink sent, and a
  // fresh-clone CI run at load 34 (d2b4fba, before the pending-batch table) saw 5,750 sent for 3,000 records
  // after the default 5 s timeout resent batches still being written. Resends are test/sinks/duplicates' subject.
  const client = new ZlogClient({ maxBatchRecords: 250, ackTimeoutMs: 30_000, deliveryTimeoutMs: 60_000 });
  client.connect(endpoint);
  const sends: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    sends.push(client.send(line(tag, i)));
    if (!client.writable) await client.whenWritable();
  }
  await Promise.all(sends);
  await client.close(5000);
}

/** Record i of a run: syslog with a microsecond timestamp (i+1 us), characters JSON must escape. */
function line(tag: string, i: number): string {
  const sev = SEVERITY[i % 4];
  return `<${PRI[sev]}>2026-11-29T10:00:00.${String(i + 1).padStart(6, '0')}Z host-${i % 3} app${i % 5}: ${tag} rec-${i} "quoted" \\ end`;
}

function expected(tag: string, i: number): Record<string, string> {
  return {
    _msg: `${tag} rec-${i} "quoted" \\ end`,
    // VictoriaLogs prints the time with trailing zeros of the fraction dropped.
    _time: `2026-11-29T10:00:00.${String(i + 1).padStart(6, '0').replace(/0+$/, '')}Z`,
    host: `host-${i % 3}`,
    app: `app${i % 5}`,
    severity: SEVERITY[i % 4],
    input: 'native',
  };
}

async function assertAllStored(vl: VictoriaLogs, tag: string, n: number, extra: (row: Record<string, string>) => void = () => {}): Promise<void> {
  await forceFlush(vl);
  const rows = await vl.query(`"${tag}"`);
  const byId = new Map<number, Record<string, string>>();
  for (const r of rows) byId.set(Number(/rec-(\d+)/.exec(r._msg)?.[1]), r);
  const missing = [];
  for (let i = 0; i < n; i++) if (!byId.has(i)) missing.push(i);
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${n} acknowledged records not found in VictoriaLogs`);
  assert.equal(rows.length, n, 'each record stored once');
  for (const i of [0, 1, 7, n - 1]) {
    const row = byId.get(i)!;
    for (const [k, v] of Object.entries(expected(tag, i))) assert.equal(row[k], v, `record ${i} field ${k}`);
    extra(row);
  }
}

test('elasticsearch sink: every acknowledged record is in VictoriaLogs with its fields', { skip, timeout: 120_000 }, async (t) => {
  const vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  const c = await startCollector({
    sinks: [{ id: 'vl', type: 'elasticsearch', endpoint: `${vl.url}/insert/elasticsearch`, streamFields: ['host', 'app'] }],
    pipeline: { ackMode: 'persisted' },
  });
  t.after(() => cleanup(c));
  const tag = `es${Date.now()}`;
  await sendAll(c.endpoints.native[0], tag, 3000);
  await assertAllStored(vl, tag, 3000, (row) => assert.match(row._stream, /^\{app="app\d",host="host-\d"\}$/));
  assert.equal(await c.metric('zlog_component_sent_events_total', { component_id: 'vl' }), 3000);
  assert.ok((await c.metric('zlog_http_client_responses_total', { component_id: 'vl', status: '200' })) >= 1);
});

test('loki sink: every acknowledged record is in VictoriaLogs with its labels and fields', { skip, timeout: 120_000 }, async (t) => {
  const vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  const c = await startCollector({
    sinks: [{ id: 'loki', type: 'loki', endpoint: `${vl.url}/insert`, labels: ['host', 'app', 'severity'], compression: 'gzip' }],
    pipeline: { ackMode: 'persisted' },
  });
  t.after(() => cleanup(c));
  const tag = `lk${Date.now()}`;
  await sendAll(c.endpoints.native[0], tag, 3000);
  await assertAllStored(vl, tag, 3000, (row) => {
    assert.equal(row.job, 'zlog');
    assert.match(row._stream, /^\{app="app\d",host="host-\d",job="zlog",severity="[a-z]+"\}$/);
  });
  assert.equal(await c.metric('zlog_component_sent_events_total', { component_id: 'loki' }), 3000);
  // Label fields are sent once (as labels, not again in the line). VictoriaLogs keeps a field that comes both
  // as a label and in the line twice in a row when the row is alone in its block (merged blocks hide it), so a
  // lone record is sent and its row as VictoriaLogs writes it (JSON text, a repeated name shows) is checked.
  const solo = `lksolo${Date.now()}`;
  await sendAll(c.endpoints.native[0], solo, 1);
  await forceFlush(vl);
  const raw = await rawRows(vl, `"${solo}"`);
  assert.equal(raw.length, 1, `one row: ${raw.join('\n')}`);
  for (const f of ['host', 'app', 'severity', 'input', 'ts']) assert.equal(raw[0].split(`"${f}":`).length - 1, 1, `field ${f} once in ${raw[0]}`);
  assert.ok(!raw[0].includes('"message":'), 'the message is _msg only');
  assert.equal(await vl.count(`"${tag}" app:=app2 severity:=warning host:=host-1`), 3000 / 60);
});

/** The rows of a LogsQL query as VictoriaLogs wrote them (JSON text, so a repeated field name shows). */
async function rawRows(vl: VictoriaLogs, logsql: string): Promise<string[]> {
  const r = await fetch(`${vl.url}/select/logsql/query`, { method: 'POST', body: new URLSearchParams({ query: logsql }), signal: AbortSignal.timeout(30_000) });
  assert.equal(r.status, 200);
  return (await r.text()).split('\n').filter((l) => l !== '');
}

test('elasticsearch sink: store down means no ACK and no loss; records arrive once it is back', { skip, timeout: 120_000 }, async (t) => {
  let vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  await vl.stop();
  const c = await startCollector({
    sinks: [{ id: 'vl', type: 'elasticsearch', endpoint: `${vl.url}/insert/elasticsearch` }],
    pipeline: { ackMode: 'persisted' },
    retry: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  t.after(() => cleanup(c));
  const tag = `down${Date.now()}`;
  const client = new ZlogClient({ deliveryTimeoutMs: 0, ackTimeoutMs: 30_000 });
  client.connect(c.endpoints.native[0]);
  let acked = 0;
  const sends = Array.from({ length: 500 }, (_, i) => client.send(line(tag, i)).then(() => void acked++));
  await waitFor('a failed request to the stopped store', async () => (await c.metric('zlog_http_client_responses_total', { component_id: 'vl', status: '0' })) >= 2, 20_000);
  assert.equal(acked, 0, 'nothing may be acknowledged while the store is down');
  vl = await vl.restart();
  await Promise.all(sends);
  await client.close(5000);
  await assertAllStored(vl, tag, 500);
});
