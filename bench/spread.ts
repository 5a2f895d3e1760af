// Records/s from one spreading client (ZlogClient.connectAll) into three collectors on 127.0.0.2-4 behind one
// name (a real DNS server on loopback, test/helpers/dns-server.ts), next to the same client into one collector,
// in the same run; and how evenly the records spread. Not a test: it prints figures and one BENCH_JSON line.
// On a 2-core machine three collectors share the same two cores as one, so the ratio shows the overhead of
// spreading, not a gain; the gain needs a collector per node.
//
//   node dist/bench/spread.js [--records N] [--size BYTES] [--repeat R]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildCollector, type ChildCollector } from '../collector/cli/child-collector.js';
import { ZlogClient } from '../collector/client/client.js';
import { startDns } from '../test/helpers/dns-server.js';
import { freePort } from '../test/helpers/net.js';
import { benchArgs } from './cli.js';

const USAGE = `usage: node dist/bench/spread.js [--records 200000] [--size 100] [--repeat 1]
  Records/s from one spreading client (ZlogClient.connectAll) into three collectors on 127.0.0.2-4 behind one
  name on a loopback DNS server, next to the same client into one collector, in the same run, and the share
  of the records each of the three got. Prints one line per run and a BENCH_JSON line.`;

const { values } = benchArgs(USAGE, {
  options: {
    records: { type: 'string', default: '200000' },
    size: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '1' },
  },
});
const N = Number(values.records);
const SIZE = Number(values.size);
const REPEAT = Number(values.repeat);
const NAME = 'zlog-native.spread.bench';

async function collector(host: string, port: number, dir: string): Promise<ChildCollector> {
  const d = mkdtempSync(join(dir, 'c-'));
  return startChildCollector({
    config: {
      inputs: [{ id: 'native', type: 'zmq-router', bind: [`tcp://${host}:${port}`] }],
      sinks: [{ id: 'file', type: 'file', path: join(d, 'out') }],
      pipeline: { ackMode: 'persisted' },
      http: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      log: { level: 'info' },
    },
    configFile: join(d, 'c.yaml'),
    readyTimeoutMs: 60_000,
  });
}

async function received(c: ChildCollector): Promise<number> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('zlog_component_received_events_total{') && l.includes('component_id="native"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Sends N records through `client` and waits for every ACK; milliseconds. */
async function run(client: ZlogClient): Promise<number> {
  const msg = 'x'.repeat(SIZE);
  const t0 = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    sends.push(client.send(msg));
    if (!client.writable) await client.whenWritable();
  }
  await Promise.all(sends);
  return performance.now() - t0;
}

const dir = mkdtempSync(join(tmpdir(), 'zlog-bench-spread-'));
const port = await freePort();
const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const three: ChildCollector[] = [];
let one: ChildCollector | undefined;
const dns = await startDns({ [NAME]: hosts });
const rows: { case: string; recordsPerSec: number; shares?: number[] }[] = [];
console.log(`spread bench: ${N} records of ${SIZE} B per run, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
try {
  for (const h of hosts) three.push(await collector(h, port, dir));
  one = await collector('127.0.0.5', port, dir);
  for (let r = 0; r < REPEAT; r++) {
    const single = new ZlogClient({ maxBatchRecords: 1000, maxInFlightBatches: 32, deliveryTimeoutMs: 300_000 });
    single.connect(`tcp://127.0.0.5:${port}`);
    const ms1 = await run(single);
    await single.close(5000);
    const before = await Promise.all(three.map(received));
    const spread = new ZlogClient({ maxBatchRecords: 1000, maxInFlightBatches: 32, deliveryTimeoutMs: 300_000 });
    await spread.connectAll(`tcp://${NAME}:${port}`, { resolve: (h) => dns.resolve4(h) });
    const ms3 = await run(spread);
    await spread.close(5000);
    const after = await Promise.all(three.map(received));
    const counts = after.map((a, i) => a - before[i]);
    const total = counts.reduce((a, b) => a + b, 0);
    const shares = counts.map((c) => Number((c / total).toFixed(3)));
    const r1 = N / (ms1 / 1000);
    const r3 = N / (ms3 / 1000);
    rows.push({ case: 'one', recordsPerSec: Math.round(r1) }, { case: 'three', recordsPerSec: Math.round(r3), shares });
    console.log(`run ${r + 1}: one collector ${Math.round(r1)} rec/s, three behind one name ${Math.round(r3)} rec/s, ratio ${(r3 / r1).toFixed(2)}; shares ${shares.join(' / ')} (max/min ${(Math.max(...counts) / Math.max(1, Math.min(...counts))).toFixed(2)}); resent after peer loss ${spread.stats.resentAfterPeerLoss}`);
  }
} finally {
  for (const c of [...three, ...(one ? [one] : [])]) await c.stop();
  await dns.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log('BENCH_JSON ' + JSON.stringify({ bench: 'spread', records: N, size: SIZE, rows }));
