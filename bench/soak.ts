// The hostile soak (issue 9): a normal load with hostile traffic mixed in, and restarts of the collector on the
// same files. Figures, not a test: `node dist/bench/soak.js [--seconds 60]` prints the peak RSS of each
// collector instance against the budget docs/operations.md states, acknowledged records lost (every
// acknowledged sequence number is looked up in the files: must be 0), records lost from the PULL sender across
// the restarts, and the rejection counters by reason from /metrics. Exit status 1 when an acknowledged record is
// missing or a peak exceeds the budget.
//
// Normal load: a native ZlogClient (persisted ACKs) and a zeromq.js PUSH, each sending numbered records.
// Hostile, one kind per tick, in turn: compressed bombs (honest, and lying about their decompressed size), a
// message of many large frames (a raw ZMTP peer), poison records (50,000-deep JSON, invalid UTF-8, control
// bytes), and a flood of connections past maxConnections. SIGTERM at 1/3 of the time, SIGKILL at 2/3; the next
// collector starts at once on the same ports and files.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as zmq from 'zeromq';
import { startChildCollector, type ChildCollector } from '../collector/cli/child-collector.js';
import { ZlogClient } from '../collector/client/index.js';
import { encodeMessage } from '../collector/protocol/message.js';
import { freePort } from '../test/helpers/net.js';
import { streamMessage } from '../test/helpers/zmtp.js';
import { documentedBudget, MiB, peakRssBytes } from '../test/hardening/rss.js';
import { benchArgs } from './cli.js';

export interface SoakOptions {
  seconds: number;
  /** Connections the flood opens at once (the native input allows maxConnections of them). */
  floodConnections: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  seconds: number;
  budgetBytes: number;
  /** VmHWM of each collector instance, read just before it was stopped. */
  peakRssBytes: number[];
  acknowledged: number;
  acknowledgedLost: number;
  pullSent: number;
  pullLost: number;
  /** zlog_component_discarded_events_total by reason and zlog_input_socket_events_total by event, summed over instances. */
  discarded: Record<string, number>;
  socketEvents: Record<string, number>;
  exits: string[];
  hostile: Record<string, number>;
}

const limits = { maxDecompressedBytes: 16 * MiB, maxRecordBytes: MiB, maxMessageBytes: 8 * MiB };
const queue = { maxBytes: 16 * MiB, maxRecords: 200_000 };
const pool = { buffers: 8, bufferBytes: MiB };
const MAX_CONNECTIONS = 64;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scrape(c: ChildCollector, into: { discarded: Record<string, number>; socketEvents: Record<string, number> }): Promise<void> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  for (const line of text.split('\n')) {
    const d = /^zlog_component_discarded_events_total\{.*reason="([^"]+)".*\} (\S+)$/.exec(line);
    if (d) into.discarded[d[1]] = (into.discarded[d[1]] ?? 0) + Number(d[2]);
    const e = /^zlog_input_socket_events_total\{.*event="([^"]+)".*\} (\S+)$/.exec(line);
    if (e) into.socketEvents[e[1]] = (into.socketEvents[e[1]] ?? 0) + Number(e[2]);
  }
}

/** Runs the soak; resolves with its figures. Everything it starts is stopped by PID before it returns. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'zlog-soak-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  const pullPort = await freePort();
  const nativePort = await freePort();
  const config = {
    inputs: [
      { id: 'pull', type: 'zmq-pull', bind: [`tcp://127.0.0.1:${pullPort}`], rcvHwm: 4 },
      { id: 'native', type: 'zmq-router', bind: [`tcp://127.0.0.1:${nativePort}`], rcvHwm: 4, maxConnections: MAX_CONNECTIONS },
    ],
    limits,
    pipeline: { workers: 1, queue, bufferPool: pool, ackMode: 'persisted' },
    sinks: [{ id: 'file', type: 'file', path: out }],
    http: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    drain: { timeoutSeconds: 10 },
    log: { level: 'info' },
  };
  const budget = documentedBudget({ queueMaxBytes: queue.maxBytes, maxDecompressedBytes: limits.maxDecompressedBytes, poolBytes: pool.buffers * pool.bufferBytes });
  const start = () => startChildCollector({ config, configFile: join(dir, 'config.yaml'), readyTimeoutMs: 60_000 });
  const result: SoakResult = { seconds: o.seconds, budgetBytes: budget, peakRssBytes: [], acknowledged: 0, acknowledgedLost: 0, pullSent: 0, pullLost: 0, discarded: {}, socketEvents: {}, exits: [], hostile: {} };
  let collector = await start();
  const nativeEp = `tcp://127.0.0.1:${nativePort}`;
  const pullEp = `tcp://127.0.0.1:${pullPort}`;
  const end = Date.now() + o.seconds * 1000;
  let running = true;
  const acked = new Set<number>();

  // Normal load 1: native client, persisted ACKs; a record counts as acknowledged when its send() resolved.
  const client = new ZlogClient({ maxBatchRecords: 200, maxDelayMs: 5, deliveryTimeoutMs: 0, routingId: 'soak-normal' });
  client.connect(nativeEp);
  const native = (async () => {
    let seq = 0;
    const inflight = new Set<Promise<void>>();
    while (running) {
      const n = seq++;
      const p: Promise<void> = client.send(`soak ack ${n}`).then(
        () => void acked.add(n),
        () => {},
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= 2000) await Promise.race(inflight);
      if (n % 200 === 0) await sleep(5);
    }
    await Promise.all(inflight);
  })();

  // Normal load 2: a PUSH sender; a message counts as sent once zeromq.js took it.
  const push = new zmq.Push({ sendTimeout: 2000, linger: 10_000, sendHighWaterMark: 1000 });
  push.connect(pullEp);
  const pull = (async () => {
    for (let n = 0; running; n++) {
      try {
        await push.send(`soak pull ${result.pullSent}`);
        result.pullSent++;
      } catch {
        await sleep(50);
      }
      if (n % 100 === 0) await sleep(5);
    }
  })();

  // Hostile traffic, one kind per tick.
  const count = (k: string) => (result.hostile[k] = (result.hostile[k] ?? 0) + 1);
  const hostile = (async () => {
    for (let tick = 0; running; tick++) {
      try {
        switch (tick % 4) {
          case 0: {
            const d = new zmq.Dealer({ sendTimeout: 1000, linger: 0 });
            d.connect(nativeEp);
            const fill = (n: number, b: string) => Array.from({ length: n }, () => b.repeat(MiB - 64));
            await d.send(encodeMessage(1_000_000 + tick, fill(15, 'a'), { compression: 'brotli' }));
            const [h, p] = encodeMessage(2_000_000 + tick, fill(16, 'b'), { compression: 'deflate' });
            h.writeUInt32BE(4 * MiB, 24); // declared decompressed size (header.ts layout): a lie
            await d.send([h, p]);
            await sleep(300);
            d.close();
            count('compressed_bombs');
            break;
          }
          case 1:
            await streamMessage('127.0.0.1', pullPort, 200, Buffer.alloc(2 * MiB, 0x61), 10_000);
            count('many_frame_messages');
            break;
          case 2: {
            const p = new zmq.Push({ sendTimeout: 1000, linger: 2000 });
            p.connect(pullEp);
            await p.send('{"a":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}');
            await p.send(Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]));
            await p.send(Buffer.alloc(64 * 1024, 1));
            const d = new zmq.Dealer({ sendTimeout: 1000, linger: 0 });
            d.connect(nativeEp);
            await d.send(encodeMessage(3_000_000 + tick, ['{"a":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}', Buffer.from([0xff, 0xfe]).toString('latin1')]));
            await sleep(300);
            p.close();
            d.close();
            count('poison_records');
            break;
          }
          case 3: {
            const socks: Socket[] = [];
            for (let i = 0; i < o.floodConnections; i++) {
              const s = connect({ host: '127.0.0.1', port: nativePort });
              s.on('error', () => {});
              socks.push(s);
            }
            await sleep(1500);
            for (const s of socks) s.destroy();
            count('connection_floods');
            break;
          }
        }
      } catch {
        // a refused hostile peer is the point; go on
      }
      await sleep(200);
    }
  })();

  // Restarts: SIGTERM at 1/3, SIGKILL at 2/3, the next collector at once on the same ports and files.
  const stopAndRestart = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const c = collector;
    result.peakRssBytes.push(peakRssBytes(c.pid));
    await scrape(c, result).catch(() => {});
    const exit = await c.stop(signal, 30_000);
    result.exits.push(`${signal}: ${exit.signal ?? exit.code}`);
    log(`${signal} -> ${exit.signal ?? exit.code}; peak RSS ${(result.peakRssBytes.at(-1)! / MiB).toFixed(0)} MiB`);
    collector = await start();
  };
  await sleep(Math.max(0, (end - Date.now()) / 3));
  await stopAndRestart('SIGTERM');
  await sleep(Math.max(0, (end - Date.now()) / 2));
  await stopAndRestart('SIGKILL');
  await sleep(Math.max(0, end - Date.now()));
  running = false;
  await Promise.all([native, pull, hostile]);
  await client.close(30_000).catch(() => {});
  push.close();
  await sleep(3000); // the PUSH linger: what it still held reaches the collector
  result.peakRssBytes.push(peakRssBytes(collector.pid));
  await scrape(collector, result).catch(() => {});
  const last = await collector.stop('SIGTERM', 30_000);
  result.exits.push(`final SIGTERM: ${last.signal ?? last.code}`);

  const foundAck = new Set<number>();
  const foundPull = new Set<number>();
  for (const f of readdirSync(out)) {
    if (!/\.ndjson(\.gz)?$/.test(f)) continue;
    const raw = readFileSync(join(out, f));
    const text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    for (const m of text.matchAll(/"message":"soak (ack|pull) (\d+)"/g)) (m[1] === 'ack' ? foundAck : foundPull).add(Number(m[2]));
  }
  result.acknowledged = acked.size;
  for (const n of acked) if (!foundAck.has(n)) result.acknowledgedLost++;
  result.pullLost = result.pullSent - foundPull.size;
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const USAGE = `usage: node dist/bench/soak.js [--seconds 60] [--flood 200]
  A native client (persisted ACKs) and a PUSH sender under hostile traffic (compressed bombs, oversized and
  poison messages, --flood connections past maxConnections), the collector SIGTERMed at 1/3 of --seconds and
  SIGKILLed at 2/3. Prints peak RSS per instance against the budget, acknowledged records lost, PULL records
  lost across the restarts and the discards by reason; exit 1 when an acknowledged record is missing or a peak
  exceeds the budget.`;

async function main(): Promise<void> {
  const { values } = benchArgs(USAGE, { options: { seconds: { type: 'string', default: '60' }, flood: { type: 'string', default: '200' } } });
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds < 10) throw new Error(`--seconds must be at least 10, got '${values.seconds}'`);
  console.log(`soak: ${seconds} s, load1 ${loadavg()[0].toFixed(1)}`);
  const r = await runSoak({ seconds, floodConnections: Number(values.flood), log: (l) => console.log(`  ${l}`) });
  const mib = (b: number) => `${(b / MiB).toFixed(0)} MiB`;
  console.log(`peak RSS per instance: ${r.peakRssBytes.map(mib).join(', ')} (budget ${mib(r.budgetBytes)})`);
  console.log(`acknowledged: ${r.acknowledged}, lost: ${r.acknowledgedLost}`);
  console.log(`PULL: ${r.pullSent} sent, ${r.pullLost} lost across the restarts`);
  console.log(`discarded by reason: ${JSON.stringify(r.discarded)}`);
  console.log(`socket events: ${JSON.stringify(r.socketEvents)}`);
  console.log(`hostile rounds: ${JSON.stringify(r.hostile)}; exits: ${r.exits.join(', ')}; load1 ${loadavg()[0].toFixed(1)}`);
  console.log(`SOAK_JSON ${JSON.stringify(r)}`);
  if (r.acknowledgedLost > 0 || r.peakRssBytes.some((p) => p >= r.budgetBytes)) process.exitCode = 1;
}

if (process.argv[1]?.endsWith('soak.js')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
