// Records/s into a real VictoriaLogs through the collector's elasticsearch and loki sinks (native client,
// persisted ACKs: a record counts once the store has it), next to VictoriaLogs' own ingest of the same records
// from a direct bulk loader, in the same run. Not a test: it prints figures (a table and one BENCH_JSON line)
// and checks only that every record arrived.
//
//   node dist/bench/sinks.js [--records N] [--sizes 100,1024] [--cases direct,directloki,elasticsearch,loki]
//                            [--repeat R] [--baseline DIR] [--cpu-prof DIR] [--set PATH=JSON ...]
// --baseline: another built checkout; every sink case also runs its collector on the same VictoriaLogs
// (before/after in one run), the two builds in turn, the first one alternating between repeats so that neither
// always gets the warmer store. --repeat: each case R times (the direct loader too); the median is reported.
// --sender: what sends the records to the collector. `prebuilt` (default): the records of every case are
// encoded into native batches (uncompressed, the client's default batch limits: 1,000 records or 256 KiB) BEFORE
// the clock starts, as the direct loader builds its request bodies before it, and one DEALER sends them with 32
// batches in flight, each batch acknowledged (persisted mode), busy NACKs resent: the clock then times the same
// thing on both sides (the store's ingest and what feeds it) with the sender nearly free. `client`: a ZlogClient
// encodes and sends every record inside the clock (default deflate above 4 KiB per batch: the sender's CPU, 8-12
// µs per 1 KiB record, shares the 2 cores with the store and the collector).
// --cpu-prof: each collector writes V8 CPU profiles into DIR/<case>, one per thread (main, workers; a fixed
// --cpu-prof-name made every thread write the same file, so only one survived). Before the clock starts, each store takes one
// untimed direct load and each collector 10,000 untimed records (cold code cost several times the CPU per
// record of warm code at these run lengths). Each line shows CPU µs per record of the store, of this process
// (the direct loader, or the client) and of the collector's threads (grouped as in bench/proc-cpu.ts). `directloki` (not in the default cases) is the
// store's own ingest of the same records through its Loki push API from bodies built before the clock starts:
// how much of the loki sink's gap to `direct` is the store's cost of that API rather than the collector's.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zc } from 'node:zlib';
import { startChildCollector } from '../collector/cli/child-collector.js';
import { pushBody } from '../collector/sinks/loki/push.js';
import { forceFlush, startVictoriaLogs, type VictoriaLogs } from '../test/helpers/victorialogs.js';
import { cpuSeconds, threadBreakdown, threadCpu } from './proc-cpu.js';
import { baselineCollector, benchArgs } from './cli.js';
import { ClientSender, PrebuiltSender, message, type SinkSender } from './sink-senders.js';

const USAGE = `usage: node dist/bench/sinks.js [--records 100000] [--sizes 100,1024] [--cases direct,elasticsearch,loki]
       [--repeat 1] [--sender prebuilt|client] [--baseline DIR] [--cpu-prof DIR] [--set PATH=JSON ...]
  Records/s into a real VictoriaLogs through the collector's elasticsearch and loki sinks (native client,
  persisted ACKs) next to the store's own ingest of the same records by a direct bulk loader (docs/sinks.md,
  "Throughput").
  --cases      any of direct, directloki (the store's Loki push API, loaded directly), elasticsearch, loki
  --repeat     each case R times, the median reported
  --sender     prebuilt (default): native batches encoded before the clock, as the direct loader's bodies are;
               client: a ZlogClient encodes and sends each record inside the clock
  --baseline   another built checkout: its collector runs each sink case too, on the same store
  --cpu-prof   each collector writes a V8 CPU profile per thread into DIR/<case>
  --set        a collector setting by dotted path, \`sink.\` for the sink entry, the value as JSON:
               --set pipeline.batch.maxBytes=1048576 --set sink.concurrency=8 --set sink.compression='"none"'`;

const { values } = benchArgs(USAGE, {
  options: {
    records: { type: 'string', default: '100000' },
    sizes: { type: 'string', default: '100,1024' },
    cases: { type: 'string', default: 'direct,elasticsearch,loki' },
    repeat: { type: 'string', default: '1' },
    sender: { type: 'string', default: 'prebuilt' },
    baseline: { type: 'string' },
    'cpu-prof': { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
  },
});
/**
 * --set PATH=JSON (repeatable): a setting of every collector's config, by dotted path, `sink.` for the sink
 * entry; e.g. --set pipeline.batch.maxBytes=1048576 --set sink.concurrency=8 --set sink.compression='"none"'.
 */
const SETS = values.set!.map((kv) => {
  const eq = kv.indexOf('=');
  if (eq < 1) throw new Error(`--set ${kv}: expected PATH=JSON`);
  let value: unknown;
  try {
    value = JSON.parse(kv.slice(eq + 1));
  } catch {
    throw new Error(`--set ${kv}: the value is not JSON (a string needs quotes: '"none"')`);
  }
  return { path: kv.slice(0, eq).split('.'), value };
});

function applySet(target: Record<string, unknown>, path: string[], value: unknown): void {
  let o = target;
  for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[path[path.length - 1]] = value;
}
const BUILDS: { label: string; main: string }[] = [{ label: '', main: fileURLToPath(new URL('../collector/cli/main.js', import.meta.url)) }];
if (values.baseline) {
  const main = baselineCollector(values.baseline);
  if (main instanceof Error) {
    console.error(`sinks.js: ${main.message}`);
    process.exit(2);
  }
  BUILDS.push({ label: 'baseline', main });
}
const PROF = values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined;
const N = Number(values.records);
const SIZES = values.sizes!.split(',').map(Number);
const CASES = values.cases!.split(',');
const REPEAT = Number(values.repeat);
const SENDER = values.sender!;
if (SENDER !== 'prebuilt' && SENDER !== 'client') throw new Error(`--sender ${SENDER}: expected prebuilt or client`);
/** Records sent through each collector (and the direct loader once per store) before the clock starts. */
const WARM = Math.min(N, 10_000);


/** The records as the collector writes them (same field set), for the direct loader. */
function ndjsonRecord(i: number, size: number, tag: string): string {
  return JSON.stringify({ ts: new Date().toISOString(), input: 'native', message: message(i, size, tag), severity: 'info', facility: 'user', host: 'bench-host', app: 'bench' });
}

/** VictoriaLogs' own ingest: the bulk API with the sink's request size, gzip level and concurrency. */
async function direct(vl: VictoriaLogs, size: number, tag: string, cpu?: CaseCpu): Promise<number> {
  const per = 10_000;
  const bodies: Buffer[] = [];
  for (let start = 0; start < N; start += per) {
    let text = '';
    for (let i = start; i < Math.min(N, start + per); i++) text += '{"create":{"_index":"zlog"}}\n' + ndjsonRecord(i, size, tag) + '\n';
    bodies.push(Buffer.from(text));
  }
  return postTimed(vl, bodies, `${vl.url}/insert/elasticsearch/_bulk`, { 'content-type': 'application/x-ndjson', 'VL-Msg-Field': 'message', 'VL-Time-Field': 'ts' }, 'bulk', cpu);
}

/** VictoriaLogs' ingest through the Loki push API (JSON), bodies built and labelled as the loki sink's defaults. */
async function directLoki(vl: VictoriaLogs, size: number, tag: string, cpu: CaseCpu): Promise<number> {
  const per = 10_000;
  const bodies: Buffer[] = [];
  for (let start = 0; start < N; start += per) {
    const docs: Uint8Array[] = [];
    for (let i = start; i < Math.min(N, start + per); i++) docs.push(Buffer.from(ndjsonRecord(i, size, tag)));
    bodies.push(pushBody(docs, ['input', 'host', 'app'], { job: 'zlog' }));
  }
  return postTimed(vl, bodies, `${vl.url}/insert/loki/api/v1/push`, { 'content-type': 'application/json', 'VL-Msg-Field': 'message' }, 'loki push', cpu);
}

/**
 * The direct loaders' timed part: each body gzipped (level 1, as the sinks) and POSTed to `url`, 4 requests at
 * a time; the loader's and the store's CPU over it go into `cpu`. Returns the milliseconds it took.
 */
async function postTimed(vl: VictoriaLogs, bodies: readonly Buffer[], url: string, headers: Record<string, string>, what: string, cpu?: CaseCpu): Promise<number> {
  const vl0 = cpuSeconds(vl.pid);
  const bench0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = gzipSync(bodies[next++], { level: zc.Z_BEST_SPEED });
      const r = await fetch(url, { method: 'POST', headers: { ...headers, 'content-encoding': 'gzip' }, body });
      if (!r.ok) throw new Error(`${what}: HTTP ${r.status}`);
      await r.text();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const ms = performance.now() - t0;
  const used = process.cpuUsage(bench0);
  if (cpu) {
    cpu.bench = (used.user + used.system) / 1e6;
    cpu.vl = cpuSeconds(vl.pid) - vl0;
  }
  return ms;
}

/** CPU seconds per party during one case: the store, this process (the client or loader), and the collector's threads (µs/record). */
interface CaseCpu {
  vl: number;
  bench: number;
  collector?: Record<string, number>;
  collectorTotal?: number;
  /** HTTP requests the sink sent for the timed records (zlog_http_client_requests_sent_total). */
  requests?: number;
  /** Buffers the collector allocated outside its pool's slots over the timed part (zlog_buffer_pool_misses_total). */
  poolMisses?: number;
}

/** The collector's counts of HTTP requests its sinks sent and of buffer pool misses. */
async function collectorCounts(url: string): Promise<{ requests: number; poolMisses: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string) => {
    let n = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'gm'))) n += Number(m[1]);
    return n;
  };
  return { requests: sum('zlog_http_client_requests_sent_total'), poolMisses: sum('zlog_buffer_pool_misses_total') };
}

/** Warms the collector with WARM untimed records, then prepares the load; returns what sends it (timed by the caller). */
async function ready<L>(sender: SinkSender<L>, size: number, tag: string): Promise<() => Promise<void>> {
  await sender.send(sender.prepare(WARM, size, `warm${tag}`));
  const load = sender.prepare(N, size, tag);
  return () => sender.send(load);
}

async function throughCollector(vl: VictoriaLogs, kind: string, size: number, tag: string, main: string, profName: string, cpu: CaseCpu): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-bench-sinks-'));
  const sink = kind === 'elasticsearch' ? { id: 'vl', type: 'elasticsearch', endpoint: `${vl.url}/insert/elasticsearch` } : { id: 'vl', type: 'loki', endpoint: `${vl.url}/insert` };
  const cfg: Record<string, unknown> = {
    inputs: [{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] }],
    sinks: [sink],
    pipeline: { ackMode: 'persisted' },
    http: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    log: { level: 'info' },
  };
  for (const { path, value } of SETS) path[0] === 'sink' ? applySet(sink, path.slice(1), value) : applySet(cfg, path, value);
  const profDir = PROF && join(PROF, profName);
  if (profDir) mkdirSync(profDir, { recursive: true });
  // Node's default names carry the process and thread ids, so the workers' profiles do not overwrite the main's.
  const node = profDir ? [process.execPath, '--cpu-prof', `--cpu-prof-dir=${profDir}`] : [process.execPath];
  const proc = await startChildCollector({ config: cfg, configFile: join(dir, 'c.yaml'), command: [...node, main] });
  const endpoint = proc.endpoints.native[0];
  const prebuilt = SENDER === 'prebuilt' ? new PrebuiltSender(endpoint) : undefined;
  const client = prebuilt ? undefined : new ClientSender(endpoint);
  try {
    // A collector that has just started runs its first records through cold code (JIT, a new encoder thread):
    // at 30,000 records that was most of its CPU per record. Warm it up untimed, as a long-running one is.
    const send = prebuilt ? await ready(prebuilt, size, tag) : await ready(client!, size, tag);
    const counts0 = await collectorCounts(proc.url);
    const threads0 = threadCpu(proc.pid);
    const col0 = cpuSeconds(proc.pid);
    const vl0 = cpuSeconds(vl.pid);
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    await send();
    const ms = performance.now() - t0;
    const benchUsed = process.cpuUsage(bench0);
    cpu.bench = (benchUsed.user + benchUsed.system) / 1e6;
    cpu.vl = cpuSeconds(vl.pid) - vl0;
    cpu.collector = threadBreakdown(proc.pid, threads0, threadCpu(proc.pid), N, true);
    cpu.collectorTotal = cpuSeconds(proc.pid) - col0;
    const counts = await collectorCounts(proc.url);
    cpu.requests = counts.requests - counts0.requests;
    cpu.poolMisses = counts.poolMisses - counts0.poolMisses;
    return ms;
  } finally {
    await (prebuilt ?? client)!.close();
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: { size: number; case: string; recordsPerSec: number; ratio?: number; runs: number[]; load: number }[] = [];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
console.log(`sinks bench: ${N} records per case, sizes ${SIZES.join(', ')} B, repeat ${REPEAT}, sender ${SENDER}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}${SETS.length ? `, collector settings ${values.set!.join(' ')}` : ''}`);
for (const size of SIZES) {
  const vl = await startVictoriaLogs();
  try {
    // A store that has just started ingests the first load several times slower (17,000 against 134,000
    // records/s at 100 B, one run): warm it up untimed, so the first case is not the one that pays.
    await direct(vl, size, `warm${size}x${Date.now()}`);
    const rates = new Map<string, number[]>();
    const loads = new Map<string, number[]>();
    for (let r = 0; r < REPEAT; r++) {
      const builds = r % 2 === 0 ? BUILDS : [...BUILDS].reverse();
      const runs = CASES.flatMap((c) => (c.startsWith('direct') ? [{ c, build: BUILDS[0] }] : builds.map((build) => ({ c, build }))));
      for (const { c: kind, build } of runs) {
        const c = build.label ? `${kind}@${build.label}` : kind;
        const tag = `b${kind}${size}x${Date.now()}`;
        // Every party's CPU over the timed part only: what is built before the clock, the collector's start and
        // its warm-up records are not counted (until session 8 the store's figure for a sink case included them).
        const cpu: CaseCpu = { vl: 0, bench: 0 };
        const ms = kind === 'direct' ? await direct(vl, size, tag, cpu) : kind === 'directloki' ? await directLoki(vl, size, tag, cpu) : await throughCollector(vl, kind, size, tag, build.main, `${kind}-${size}${build.label ? '-' + build.label : ''}-${r}`, cpu);
        await forceFlush(vl);
        const stored = await vl.count(`"${tag}"`);
        if (stored < N) throw new Error(`${c} ${size} B: only ${stored} of ${N} records in VictoriaLogs`);
        const rate = N / (ms / 1000);
        rates.set(c, [...(rates.get(c) ?? []), rate]);
        loads.set(c, [...(loads.get(c) ?? []), loadavg()[0]]);
        const us = (s: number) => ((s / N) * 1e6).toFixed(1);
        const threads = cpu.collector ? ` collector ${us(cpu.collectorTotal!)} [${Object.entries(cpu.collector).map(([k, v]) => `${k} ${v}`).join(', ')}]` : '';
        console.log(`${String(size).padStart(5)} B  ${c.padEnd(24)} ${String(Math.round(rate)).padStart(9)} rec/s  (stored ${stored}${stored > N ? `, ${stored - N} duplicates` : ''}, load ${loadavg()[0].toFixed(1)})  ${cpu.requests ? `${Math.round(N / cpu.requests)} records/request, ${cpu.poolMisses} pool misses, ` : ''}CPU µs/record: store ${us(cpu.vl)}, ${kind.startsWith('direct') ? 'loader' : 'client'} ${us(cpu.bench)}${threads}`);
      }
    }
    const base = median(rates.get('direct') ?? [NaN]);
    for (const [c, xs] of rates) {
      const rate = median(xs);
      const ratio = c === 'direct' || Number.isNaN(base) ? undefined : Number((rate / base).toFixed(2));
      rows.push({ size, case: c, recordsPerSec: Math.round(rate), ratio, runs: xs.map(Math.round), load: Number(median(loads.get(c)!).toFixed(1)) });
      console.log(`${String(size).padStart(5)} B  ${c.padEnd(24)} median ${String(Math.round(rate)).padStart(9)} rec/s${ratio !== undefined ? `  ratio to direct ${ratio.toFixed(2)}` : ''}`);
    }
  } finally {
    await vl.cleanup();
  }
}
console.log('BENCH_JSON ' + JSON.stringify({ bench: 'sinks', records: N, repeat: REPEAT, sender: SENDER, sets: values.set, rows }));
