// `make bench`: throughput of the collector into its file sink, on this machine, next to rsyslog on the same
// load. Not a test: it asserts no timings, it prints figures (a table, then one `BENCH_JSON {...}` line).
// What it does check is loss: every run compares the lines in the output file with the records sent.
// bench/README.md explains the cases; `--help` lists the options.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { curveKeyPair } from 'zeromq';
import { formatCertificate } from '../collector/security/zcert.js';
import { startChildCollector, type ChildCollector } from '../collector/cli/child-collector.js';
import { baselineCollector } from './cli.js';
import { summarise } from './cpuprofile.js';
import { cpuSeconds, threadBreakdown, threadCpu } from './proc-cpu.js';
import { latencyBreakdown } from './latency-trace.js';
import { rsyslogStop } from './rsyslog-exit.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, '../..');

/** A built checkout whose collector and native sender a case runs; two of them with --baseline (A/B). */
interface Build {
  label: string;
  root: string;
}
const mainJs = (b: Build) => join(b.root, 'dist/collector/cli/main.js');
const nativeSenderJs = (b: Build) => join(b.root, 'dist/bench/native-sender.js');
const PY_SENDER = join(ROOT, 'bench/pyzmq_push.py');
// Single-thread micro-benchmarks other branches add under bench/; each runs when its build is present.
const MICRO: { file: string; args: string[]; what: string }[] = [
  { file: join(HERE, 'decode.js'), args: ['1'], what: 'worker processing per format (framing, decoding, NDJSON), one core' },
  { file: join(HERE, 'codec.js'), args: ['100', '1000', '1'], what: 'native protocol codec, 100 B records, 1000 per batch, one core' },
];
// Debian's interpreter: it has pyzmq 24; the pyenv python3 first on PATH does not.
const PYTHON = '/usr/bin/python3';
const RSYSLOGD = '/usr/sbin/rsyslogd';
const MiB = 1048576;

type CaseId = 'a' | 'anosync' | 'acurve' | 'b' | 'bp' | 'bpcurve' | 'c' | 'latb' | 'latc' | 'jw0' | 'jw1' | 'jw2' | 'rsyslog' | 'raw' | 'rawnative' | 'rawbatch';
const CASES: Record<CaseId, string> = {
  a: 'pyzmq PUSH, 1 record/frame -> zlog zmq-pull',
  anosync: "as a with the file sink's fsync: never, as rsyslog's omfile (sync off by default) writes: the like-for-like comparison with rsyslog",
  b: 'native batched, ackMode received -> zlog zmq-router',
  bp: 'native batched, ackMode received, identical pre-encoded batches from a lean sender: the collector\'s own capacity',
  acurve: 'case a over CurveZMQ: pyzmq PUSH with client keys -> zlog zmq-pull with security.mode curve (ZAP allow-list)',
  bpcurve: 'case bp over CurveZMQ: pre-encoded native batches from a CURVE client -> zlog zmq-router with security.mode curve',
  c: 'native batched, ackMode persisted -> zlog zmq-router',
  rsyslog: 'pyzmq PUSH, 1 record/frame -> rsyslog imczmq PULL + omfile',
  raw: 'pyzmq PUSH, 1 record/frame -> bare zeromq.js PULL receive loop (no pipeline, no file): the ceiling for (a) with zeromq.js',
  rawnative: 'pyzmq PUSH, 1 record/frame -> bare native receive thread (the addon; packed chunks, no pipeline, no file)',
  rawbatch: 'pyzmq PUSH, --batch records joined by newlines per frame -> bare zeromq.js PULL receive loop: the ceiling for bp (batched frames)',
  latb: 'open loop at 50% of bp\'s capacity: pre-encoded batches on a fixed schedule -> zlog zmq-router, ackMode received; send->ACK p50/p99/p999 and the disk\'s fdatasync p50/p99 in the same run',
  jw0: 'identical pre-encoded native batches of JSON records (nested objects of many short fields, parsed and enriched: the decode path) from a lean sender -> zlog zmq-router, ackMode received, processed inline (workers 0)',
  jw1: 'as jw0 with 1 worker thread',
  jw2: 'as jw0 with 2 worker threads',
  latc: 'as latb at 50% of c\'s capacity, ackMode persisted (the ACK waits for write + fdatasync)',
};
const RAW_PULL = join(HERE, 'raw-pull.js');
/** The open-loop sender is this checkout's for every build, so a --baseline comparison measures collectors only. */
const openLoopJs = join(ROOT, 'dist/bench/open-loop.js');
const OPEN_LOOP_NATIVE_SRC = join(ROOT, 'bench/open-loop-native.cc');
const OPEN_LOOP_NATIVE = join(HERE, 'open-loop-native');
let openLoopNativeBuilt: string | Error | undefined;

/**
 * The C++ open-loop sender (bench/open-loop-native.cc), compiled on first use against the libzmq the addon links
 * (scripts/build-libzmq.sh, cached) into dist/bench/; again when the source is newer. An Error says why not.
 */
function openLoopNative(): string | Error {
  if (openLoopNativeBuilt !== undefined) return openLoopNativeBuilt;
  if (existsSync(OPEN_LOOP_NATIVE) && statSync(OPEN_LOOP_NATIVE).mtimeMs >= statSync(OPEN_LOOP_NATIVE_SRC).mtimeMs) return (openLoopNativeBuilt = OPEN_LOOP_NATIVE);
  const prefix = spawnSync('bash', [join(ROOT, 'scripts/build-libzmq.sh'), '--prefix'], { encoding: 'utf8' });
  if (prefix.status !== 0) return (openLoopNativeBuilt = new Error(`scripts/build-libzmq.sh --prefix failed: ${prefix.stderr.trim()}`));
  const zmq = prefix.stdout.trim();
  const cc = spawnSync('c++', ['-O2', '-std=c++17', '-Wall', '-Wextra', '-o', OPEN_LOOP_NATIVE, OPEN_LOOP_NATIVE_SRC, `-I${zmq}/include`, `${zmq}/lib/libzmq.a`, '-lsodium', '-lpthread'], { encoding: 'utf8' });
  if (cc.status !== 0) return (openLoopNativeBuilt = new Error(`compiling ${OPEN_LOOP_NATIVE_SRC} failed: ${cc.stderr.trim().slice(-1000)}`));
  return (openLoopNativeBuilt = OPEN_LOOP_NATIVE);
}

interface Options {
  cases: CaseId[];
  sizes: number[];
  repeat: number;
  records?: number;
  seconds: number;
  batch: number;
  workers: number;
  /** records/s of the open-loop cases; undefined: half the measured capacity. */
  rate?: number;
  /** Who sends the open-loop cases' batches and takes their timestamps: the C++ sender, or zeromq.js in Node. */
  sender: 'native' | 'node';
  profile: boolean;
  keep: boolean;
  builds: Build[];
  /** Extra collector settings, `path.to.key=value` (value parsed as JSON when it parses). */
  collectorSet: string[];
}

/** One repetition of one case. */
interface Run {
  sent: number;
  written: number;
  lines: number;
  lossOk: boolean;
  capped: boolean;
  seconds: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  peakRssMiB: number;
  /**
   * CPU time (user + system, all threads) the receiving server and the sender used per record, in µs. On a
   * shared machine this moves far less with other load than records/s does, so it is the figure for A/B.
   */
  serverCpuUsPerRecord: number;
  senderCpuUsPerRecord: number;
  /**
   * The server's CPU µs/record by thread: zlog's `main` thread (receive loops, packing, sink stage), `zmq-io`
   * (libzmq's I/O threads), `native-receive` (the addon's receive thread), `busiest-other` and `second-other` (the processing worker threads, in practice) and `rest` (V8 and
   * libuv helpers); rsyslog's by thread name.
   */
  threads?: Record<string, number>;
  /** Share of both cores busy (all processes) during the run, from /proc/stat. */
  machineBusy: number;
  load1: number;
  client?: { recordsPerSecond: number; p50Ms: number; p99Ms: number; p999Ms?: number; maxMs: number; retries: number; failed: number; fdatasyncP50Ms?: number; fdatasyncP99Ms?: number; rate?: number };
  problems: string[];
  /** Things worth knowing that do not put the figures in doubt. */
  notes: string[];
  /** Open-loop cases: where the send->ACK time went (bench/latency-trace.ts), when the build traces it. */
  breakdown?: string[];
}

interface CaseResult {
  case: CaseId;
  build: string;
  size: number;
  records: number;
  runs: Run[];
  median: { recordsPerSecond: number; mibPerSecond: number; peakRssMiB: number; serverCpuUsPerRecord: number; senderCpuUsPerRecord: number; p50Ms?: number; p99Ms?: number; p999Ms?: number; fdatasyncP50Ms?: number; fdatasyncP99Ms?: number };
  lossOk: boolean;
}

const USAGE = `usage: node dist/bench/run.js [--case a|anosync|acurve|b|bp|bpcurve|c|latb|latc|jw0|jw1|jw2|rsyslog|raw|rawnative|rawbatch|decode|all ...] [--size 100|1024 ...]
       [--repeat 3] [--records N] [--seconds 60] [--batch 1000] [--workers 1] [--rate N] [--profile] [--keep]
       [--baseline DIR] [--collector-set path.to.key=value ...]

  a        ${CASES.a}
  anosync  ${CASES.anosync}
  acurve   ${CASES.acurve}
  b        ${CASES.b}
  bp       ${CASES.bp}
  bpcurve  ${CASES.bpcurve}
  c        ${CASES.c} (+ send-to-ack latency)
  rsyslog  ${CASES.rsyslog}
  raw      ${CASES.raw}
  rawnative ${CASES.rawnative}
  rawbatch ${CASES.rawbatch}
  latb     ${CASES.latb}
  latc     ${CASES.latc}
  jw0 jw1 jw2  ${CASES.jw0}; 1 and 2 worker threads
  micro    the single-thread micro-benchmarks, when built: decoder (bench/decode.ts), codec (bench/codec.ts)
           (\`decode\` is accepted for it too)

  --records   records per run (default: 1,000,000 for a/rsyslog at 100 B, 2,000,000 for b/c at 100 B,
              300,000 / 500,000 at 1 KiB)
  --seconds   cap on sending in each run; a capped run is flagged and its figures cover what was sent
  --rate      records/s of latb and latc (default: half the median records/s of bp, resp. c, at that size in
              this run, else of a short bp/c run made first); they send for min(--seconds, 10) s
  --sender    native (default) or node: the open-loop sender of latb and latc. native: one C++ thread sends on
              the schedule and stamps send and ACK next to the libzmq calls (bench/open-loop-native.cc, compiled
              on first use); node: zeromq.js, stamped on Node's event loop (its timers, promises and GC count)
  --profile   run the collector under --cpu-prof and print where its threads spent their time
  --keep      keep the output files and logs under the work directory
  --baseline  another built checkout (e.g. a \`git worktree\` of the commit before a patch): every zlog
              run is done with both builds, alternating which goes first, and the table shows both
  --collector-set  a collector setting for every zlog run, e.g. pipeline.batch.maxDelayMs=2`;

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      case: { type: 'string', multiple: true },
      size: { type: 'string', multiple: true },
      repeat: { type: 'string' },
      records: { type: 'string' },
      seconds: { type: 'string' },
      batch: { type: 'string' },
      workers: { type: 'string' },
      rate: { type: 'string' },
      sender: { type: 'string' },
      profile: { type: 'boolean' },
      keep: { type: 'boolean' },
      baseline: { type: 'string' },
      'collector-set': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const rawCases = (values.case ?? ['all']).flatMap((c) => c.split(','));
  const cases: readonly string[] = rawCases.includes('all') ? ['a', 'anosync', 'acurve', 'b', 'bp', 'bpcurve', 'c', 'latb', 'latc', 'jw0', 'jw1', 'jw2', 'rsyslog', 'raw', 'rawnative', 'rawbatch', 'micro'] : rawCases;
  for (const c of cases) if (!(c in CASES) && c !== 'micro' && c !== 'decode') throw new Error(`unknown case "${c}"`);
  const num = (name: string, v: string | undefined, dflt: number, min = 1): number => {
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, not "${v}"`);
    return n;
  };
  const sizes = (values.size ?? ['100', '1024']).flatMap((s) => s.split(',')).map((s) => num('size', s, 0, 16));
  const o: Options = {
    cases: cases.filter((c): c is CaseId => c in CASES),
    sizes,
    repeat: num('repeat', values.repeat, 3),
    records: values.records === undefined ? undefined : num('records', values.records, 0),
    seconds: num('seconds', values.seconds, 60),
    batch: num('batch', values.batch, 1000),
    workers: num('workers', values.workers, 1, 0),
    rate: values.rate === undefined ? undefined : num('rate', values.rate, 0),
    sender: values.sender === undefined || values.sender === 'native' ? 'native' : values.sender === 'node' ? 'node' : badSender(values.sender),
    profile: Boolean(values.profile),
    keep: Boolean(values.keep),
    builds: [{ label: 'this', root: ROOT }],
    collectorSet: values['collector-set'] ?? [],
  };
  if (values.baseline !== undefined) {
    const main = baselineCollector(values.baseline);
    if (main instanceof Error) throw main;
    o.builds.unshift({ label: 'baseline', root: resolve(values.baseline) });
  }
  runMicro = cases.includes('micro') || cases.includes('decode');
  return o;
}
let runMicro = false;
function badSender(v: string): never {
  throw new Error(`--sender must be native or node, not "${v}"`);
}

function defaultRecords(c: CaseId, size: number): number {
  if (c === 'latb' || c === 'latc') return 0; // decided by the rate
  if (c === 'rawbatch') return size <= 256 ? 6_000_000 : 2_000_000;
  if (c === 'jw0' || c === 'jw1' || c === 'jw2') return size <= 256 ? 1_000_000 : 300_000;
  const native = c === 'b' || c === 'bp' || c === 'bpcurve' || c === 'c';
  // raw is only a reference point; fewer records keep the whole run short. bp runs ~3 s so start-up and the
  // last write's fsync (about 10% of a 1 s run) do not decide its figure.
  if (size <= 256) return c === 'bp' || c === 'bpcurve' ? 6_000_000 : native ? 2_000_000 : 1_000_000;
  return native ? 500_000 : 300_000;
}

// ---------------------------------------------------------------------------------------------- processes

interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function start(cmd: string, args: string[], cwd = ROOT): Proc {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, stdout: '', stderr: '', exited: Promise.resolve(null) };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (p.stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    // The collector logs one line per event; keep the tail only so a long run cannot grow this without bound.
    p.stderr = (p.stderr + d).slice(-200_000);
  });
  p.exited = new Promise((res) => {
    child.on('exit', (code, sig) => res(code ?? (sig ? -1 : null)));
    child.on('error', () => res(-2));
  });
  return p;
}

/** Waits for the process to exit, at most `ms`; then kills it (by its own PID) and reports null. */
async function waitExit(p: Proc, ms: number): Promise<number | null> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (t = setTimeout(() => r('timeout'), ms)));
  const r = await Promise.race([p.exited, timeout]);
  clearTimeout(t);
  if (r !== 'timeout') return r;
  p.child.kill('SIGKILL');
  await p.exited;
  return null;
}

async function stop(p: Proc, ms = 30_000): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  return waitExit(p, ms);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function peakRssMiB(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** Busy and total jiffies of all CPUs, for the machine's busy share over a run (everything, not just us). */
function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { busy: total - idle, total };
}

async function countLines(file: string): Promise<number> {
  if (!existsSync(file)) return 0;
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      res(true);
    });
    c.once('error', () => res(false));
  });
}

// ---------------------------------------------------------------------------------------------- zlog

interface Collector {
  proc: ChildCollector;
  pull?: string;
  router?: string;
  http: string;
  out: string;
}

/** CURVE cases: a server pair and one allowed client pair, as `zlog keygen` writes them (czmq zcert files). */
interface BenchKeys {
  security: { mode: 'curve'; serverKeyFile: string; clientKeys: string };
  clientSecret: string;
  serverPublic: string;
}

function makeBenchKeys(dir: string): BenchKeys {
  const keys = join(dir, 'keys');
  mkdirSync(join(keys, 'clients'), { recursive: true });
  const [server, client] = [curveKeyPair(), curveKeyPair()];
  writeFileSync(join(keys, 'server.key_secret'), formatCertificate(server), { mode: 0o600 });
  writeFileSync(join(keys, 'server.key'), formatCertificate({ publicKey: server.publicKey }));
  writeFileSync(join(keys, 'bench.key_secret'), formatCertificate(client), { mode: 0o600 });
  writeFileSync(join(keys, 'clients', 'bench.key'), formatCertificate({ publicKey: client.publicKey }));
  return {
    security: { mode: 'curve', serverKeyFile: join(keys, 'server.key_secret'), clientKeys: join(keys, 'clients') },
    clientSecret: join(keys, 'bench.key_secret'),
    serverPublic: join(keys, 'server.key'),
  };
}

async function startCollector(build: Build, dir: string, ackMode: 'received' | 'persisted', o: Options, keys?: BenchKeys, workers = o.workers, env?: Record<string, string>, fsync: 'batch' | 'never' = 'batch'): Promise<Collector> {
  const outDir = join(dir, 'out');
  // Rotation and compression are off so the run measures the write path, not gzip of a rotated file in the
  // background, and one file holds every line for the loss check.
  const cfg = {
    inputs: [
      { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], ...(keys ? { security: keys.security } : {}) },
      { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'], ...(keys ? { security: keys.security } : {}) },
    ],
    pipeline: { workers, ackMode },
    sinks: [{ id: 'file', type: 'file', path: outDir, fsync, compress: false, rotation: { maxBytes: 1024 * 1024 * MiB, maxAgeSeconds: 0 } }],
    http: { port: 0 },
    admin: { port: 0 },
    log: { level: 'info' },
  };
  for (const kv of o.collectorSet) setPath(cfg, kv);
  // The build's own Node.js flags, as its image starts it (collector/cli/node-flags.ts; none in a build before it).
  const nodeArgs = [...(await nodeFlagsOf(build)), ...(o.profile ? ['--cpu-prof', '--cpu-prof-dir', join(dir, 'profile')] : [])];
  // The collector of the build under test (bench/README.md: --base compares two builds), started the one way.
  const proc = await startChildCollector({
    config: cfg,
    configFile: join(dir, 'collector.yaml'),
    command: [process.execPath, ...nodeArgs, mainJs(build)],
    cwd: build.root,
    readyTimeoutMs: 20_000,
    env: env && { ...process.env, ...env },
  });
  return { proc, pull: proc.endpoints.pull?.[0], router: proc.endpoints.native?.[0], http: proc.url, out: join(outDir, 'zlog.ndjson') };
}

/** The Node.js flags a build's collector runs with (its dist/collector/cli/node-flags.js; [] when it has none). */
async function nodeFlagsOf(build: Build): Promise<readonly string[]> {
  const file = join(build.root, 'dist/collector/cli/node-flags.js');
  if (!existsSync(file)) return [];
  return ((await import(pathToFileURL(file).href)) as { COLLECTOR_NODE_FLAGS: readonly string[] }).COLLECTOR_NODE_FLAGS;
}

function setPath(target: Record<string, unknown>, kv: string): void {
  const eq = kv.indexOf('=');
  if (eq < 1) throw new Error(`--collector-set ${kv}: expected path.to.key=value`);
  const keys = kv.slice(0, eq).split('.');
  const raw = kv.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  let obj = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof obj[k] !== 'object' || obj[k] === null) obj[k] = {};
    obj = obj[k] as Record<string, unknown>;
  }
  obj[keys[keys.length - 1]] = value;
}

async function writtenByCollector(c: Collector): Promise<number> {
  try {
    const text = await (await fetch(`${c.http}/metrics`)).text();
    const m = /^zlog_component_sent_events_total\{component_id="file"[^}]*\} (\d+)/m.exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return -1;
  }
}

/** Buffers the collector took from its pool so far (hits and misses); 0 when /metrics does not answer. */
async function poolTakes(c: Collector): Promise<number> {
  try {
    const text = await (await fetch(`${c.http}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(/^zlog_buffer_pool_(?:hits|misses)_total(?:\{[^}]*\})? (\d+)/gm)) n += Number(m[1]);
    return n;
  } catch {
    return 0;
  }
}

interface SenderReport {
  sent: number;
  startedAt: number;
  /** The sender's own CPU seconds (it reports them: once it has exited, /proc no longer has them). */
  cpuSeconds: number;
  client?: Run['client'];
}

/** The pyzmq PUSH sender of cases a, rsyslog and raw: the same load in front of each receiver. */
function startPySender(endpoint: string, records: number, size: number, o: Options, keys?: BenchKeys, join = 1, json = false): Proc {
  return start(PYTHON, [PY_SENDER, ...(join > 1 ? ['--join', String(join)] : []), ...(json ? ['--json'] : []), endpoint, String(records), String(size), String(o.seconds), ...(keys ? [keys.clientSecret, keys.serverPublic] : [])]);
}

function parsePySender(stdout: string): SenderReport {
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as { sent: number; firstSendAt: number; cpuSeconds: number };
  return { sent: r.sent, startedAt: r.firstSendAt, cpuSeconds: r.cpuSeconds };
}

/**
 * Runs the sender to completion while polling `written()` every 20 ms, and returns when the sink has written
 * everything that was sent (or the sink stopped making progress for 10 s, or the hard deadline passed).
 * The end time is the first poll that saw the last record written, so it is late by at most one poll.
 */
/**
 * Runs the sender to its end and follows the collector's written count. `pollWhileSending` false (the open-loop
 * cases, whose figure is the sender's latency, not records/s): no /metrics scrape until the sender is done, as
 * each scrape holds the collector's main thread for 1-2 ms, and at one scrape per 200 ms and one batch per
 * 2 ms that alone was 1% of the batches, i.e. the p99.
 */
async function drive(sender: Proc, parse: (stdout: string) => SenderReport, requested: number, written: () => Promise<number>, capMs: number, pollWhileSending = true): Promise<{ report?: SenderReport; written: number; endAt: number; problems: string[]; notes: string[] }> {
  const problems: string[] = [];
  const hardDeadline = Date.now() + capMs + 60_000;
  let senderDone = false;
  let senderCode: number | null = null;
  void waitExit(sender, capMs + 45_000).then((c) => {
    senderDone = true;
    senderCode = c;
  });
  let report: SenderReport | undefined;
  let w = 0;
  let lastProgress = Date.now();
  let endAt = 0;
  for (;;) {
    if (!pollWhileSending && !senderDone && Date.now() < hardDeadline) {
      await sleep(50);
      lastProgress = Date.now();
      continue;
    }
    const now = Date.now();
    const next = await written();
    if (next > w) lastProgress = Date.now();
    if (next >= 0) w = next;
    if (senderDone && !report) {
      if (senderCode !== 0) problems.push(`sender exited with ${senderCode}: ${sender.stderr.slice(-1000)}`);
      try {
        report = parse(sender.stdout);
      } catch {
        problems.push(`sender printed no result: ${sender.stdout.slice(-500)}`);
        break;
      }
    }
    const target = report ? report.sent : requested;
    if (w >= target) {
      endAt = now;
      if (senderDone) break;
    }
    if (Date.now() > hardDeadline) {
      problems.push('hard deadline passed');
      break;
    }
    if (senderDone && Date.now() - lastProgress > 10_000) {
      problems.push(`sink stopped at ${w} of ${target} records for 10 s`);
      break;
    }
    // Every 20 ms once the sender is done or the sink is within 5% of the target (where the end time is
    // decided), every 200 ms before: a /metrics scrape under load costs the collector's main thread 1-2 ms
    // (prom-client's event-loop histogram percentiles), which at 50 scrapes/s was charged to the records.
    await sleep(senderDone || w >= target * 0.95 ? 20 : 200);
  }
  return { report, written: w, endAt: endAt || Date.now(), problems, notes: [] };
}

async function runZlog(build: Build, c: CaseId, size: number, records: number, o: Options, dir: string): Promise<Run> {
  const keys = c === 'acurve' || c === 'bpcurve' ? makeBenchKeys(dir) : undefined;
  const jsonWorkers = c === 'jw0' ? 0 : c === 'jw1' ? 1 : c === 'jw2' ? 2 : undefined;
  // The open-loop cases trace each batch's path through the collector (bench/latency-trace.ts); a build
  // without the trace ignores the variable, and its breakdown is left out.
  const lat = c === 'latb' || c === 'latc';
  const serverTrace = join(dir, 'latency-trace-server.json');
  const senderTrace = join(dir, 'latency-trace-sender.json');
  for (const file of [serverTrace, senderTrace]) rmSync(file, { force: true });
  const col = await startCollector(build, dir, c === 'c' || c === 'latc' ? 'persisted' : 'received', o, keys, jsonWorkers, lat ? { ZLOG_LATENCY_TRACE: serverTrace } : undefined, c === 'anosync' ? 'never' : 'batch');
  const t0 = cpuTimes();
  const load1 = loadavg()[0];
  let sender: Proc;
  let parse: (s: string) => SenderReport;
  if (c === 'a' || c === 'acurve' || c === 'anosync') {
    sender = startPySender(col.pull!, records, size, o, keys);
    parse = parsePySender;
  } else if (c === 'latb' || c === 'latc') {
    const rate = Math.max(1, Math.round(records / latSeconds(o)));
    const bin = o.sender === 'native' ? openLoopNative() : undefined;
    if (bin instanceof Error) throw bin;
    sender = start(process.execPath, [openLoopJs, ...(bin ? ['--native', bin] : []), col.router!, String(rate), String(size), String(o.batch), String(latSeconds(o)), dir, senderTrace]);
    parse = (s) => {
      const r = JSON.parse(s.trim().split('\n').pop()!) as { startedAt: number; cpuSeconds: number; records: number; failed: number; recordsPerSecond: number; latencyMs: { p50: number; p99: number; p999: number; max: number }; fdatasyncMs: { p50: number; p99: number } };
      return {
        sent: r.records,
        startedAt: r.startedAt,
        cpuSeconds: r.cpuSeconds,
        client: { recordsPerSecond: r.recordsPerSecond, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99, p999Ms: r.latencyMs.p999, maxMs: r.latencyMs.max, retries: 0, failed: r.failed, fdatasyncP50Ms: r.fdatasyncMs.p50, fdatasyncP99Ms: r.fdatasyncMs.p99, rate },
      };
    };
  } else {
    // The jw cases' JSON sender is this checkout's for every build (a baseline's sender may not have the mode).
    const json = jsonWorkers !== undefined;
    sender = start(process.execPath, [nativeSenderJs(json ? o.builds[o.builds.length - 1] : build), col.router!, String(records), String(size), String(o.batch), String(o.seconds), json ? 'prebuilt-json' : c === 'bp' || c === 'bpcurve' ? 'prebuilt' : 'client', ...(keys ? [keys.clientSecret, keys.serverPublic] : [])]);
    parse = (s) => {
      const r = JSON.parse(s.trim().split('\n').pop()!) as { startedAt: number; cpuSeconds: number; records: number; failed: number; retries: number; recordsPerSecond: number; latencyMs: { p50: number; p99: number; max: number } };
      return { sent: r.records, startedAt: r.startedAt, cpuSeconds: r.cpuSeconds, client: { recordsPerSecond: r.recordsPerSecond, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99, maxMs: r.latencyMs.max, retries: r.retries, failed: r.failed } };
    };
  }
  const cpu0 = cpuSeconds(col.proc.pid);
  const threads0 = threadCpu(col.proc.pid);
  const d = await drive(sender, parse, records, () => writtenByCollector(col), o.seconds * 1000, !lat);
  const t1 = cpuTimes();
  const rss = peakRssMiB(col.proc.pid);
  const serverCpu = cpuSeconds(col.proc.pid) - cpu0;
  const threads = threadBreakdown(col.proc.pid, threads0, threadCpu(col.proc.pid), d.report?.sent ?? 0, true);
  const takes = await poolTakes(col);
  const exit = await col.proc.stop();
  if (exit.code !== 0) d.problems.push(`collector exited with ${JSON.stringify(exit)} after SIGTERM: ${col.proc.output().slice(-1500)}`);
  const lines = await countLines(col.out);
  const run = finishRun(d, size, records, lines, rss, serverCpu, load1, t0, t1);
  run.threads = threads;
  // Every chunk takes a pool buffer for its messages and one for its NDJSON: per-chunk work is the main thread's
  // share that does not shrink with bigger records (case a), so the records per chunk say how it is spread.
  if (takes > 0 && run.sent > 0) run.notes.push(`chunks ~${fmt(Math.round(takes / 2))} (buffer pool takes / 2), ~${fmt(Math.round((2 * run.sent) / takes))} records each`);
  if (lat && existsSync(serverTrace) && existsSync(senderTrace)) run.breakdown = latencyBreakdown(serverTrace, senderTrace);
  if (o.profile) printProfiles(join(dir, 'profile'), `${c} ${size} B`);
  return run;
}

/** How long the open-loop cases send. */
const latSeconds = (o: Options) => Math.min(o.seconds, 10);

function finishRun(d: Awaited<ReturnType<typeof drive>>, size: number, requested: number, lines: number, rss: number, serverCpu: number, load1: number, t0: ReturnType<typeof cpuTimes>, t1: ReturnType<typeof cpuTimes>): Run {
  const sent = d.report?.sent ?? 0;
  const seconds = d.report ? Math.max(0.001, (d.endAt - d.report.startedAt) / 1000) : NaN;
  const problems = [...d.problems];
  if (lines !== sent) problems.push(`LOSS CHECK FAILED: ${sent} records sent, ${lines} lines in the output file`);
  if (d.report?.client && d.report.client.failed > 0) problems.push(`${d.report.client.failed} records not acknowledged`);
  return {
    sent,
    written: d.written,
    lines,
    lossOk: lines === sent && sent > 0,
    capped: sent < requested,
    seconds: Math.round(seconds * 1000) / 1000,
    recordsPerSecond: Math.round(sent / seconds),
    mibPerSecond: Math.round(((sent * size) / seconds / MiB) * 10) / 10,
    peakRssMiB: rss,
    serverCpuUsPerRecord: Math.round((serverCpu / Math.max(1, sent)) * 1e7) / 10,
    senderCpuUsPerRecord: Math.round(((d.report?.cpuSeconds ?? NaN) / Math.max(1, sent)) * 1e7) / 10,
    machineBusy: Math.round(((t1.busy - t0.busy) / Math.max(1, t1.total - t0.total)) * 100) / 100,
    load1: Math.round(load1 * 100) / 100,
    client: d.report?.client,
    problems,
    notes: d.notes,
  };
}

function printProfiles(dir: string, label: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSorted(dir)) {
    const s = summarise(JSON.parse(readFileSync(join(dir, f), 'utf8')), 12);
    // Node names profiles CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
    const thread = /\.\d+\.0\.\d+\.cpuprofile$/.test(f) ? 'main thread' : 'worker thread';
    console.log(`\n  profile ${label}, ${thread} (${f}): ${s.totalMs} ms sampled, ${Math.round((s.idleMs / Math.max(1, s.totalMs)) * 100)}% idle`);
    for (const r of s.byFunction) console.log(`    ${String(r.percent).padStart(5)}%  ${r.name}`);
  }
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
}

// ---------------------------------------------------------------------------------------------- rsyslog

async function runRsyslog(size: number, records: number, o: Options, dir: string): Promise<Run> {
  const port = await freePort();
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  const out = join(dir, 'rsyslog.out');
  const conf = join(dir, 'rsyslog.conf');
  // %rawmsg% plus a newline: one line per record exactly as sent, so the file's size tells when all are in.
  // The input has its own ruleset, so rsyslog's own start/stop messages do not land in the counted file.
  // The main queue limit mirrors the collector's default queue (200k records); when full, imczmq waits.
  writeFileSync(
    conf,
    [
      `global(workDirectory="${work}")`,
      `main_queue(queue.type="LinkedList" queue.size="200000")`,
      `module(load="imczmq")`,
      `template(name="raw" type="string" string="%rawmsg%\\n")`,
      `ruleset(name="bench") { action(type="omfile" file="${out}" template="raw") }`,
      `input(type="imczmq" endpoints="@tcp://127.0.0.1:${port}" socktype="PULL" ruleset="bench")`,
      `*.* action(type="omfile" file="${join(dir, 'rsyslog-internal.log')}")`,
      '',
    ].join('\n'),
  );
  const proc = start(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslog.pid')], dir);
  const readyBy = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (Date.now() > readyBy || proc.child.exitCode !== null) {
      await stop(proc, 5000);
      throw new Error(`rsyslogd did not bind 127.0.0.1:${port}:\n${proc.stderr.slice(-2000)}`);
    }
    await sleep(20);
  }
  const t0 = cpuTimes();
  const load1 = loadavg()[0];
  const sender = startPySender(`tcp://127.0.0.1:${port}`, records, size, o);
  const parse = parsePySender;
  // Every record is `size` bytes plus "\n"; a partial last line rounds down.
  const written = async () => (existsSync(out) ? Math.floor(statSync(out).size / (size + 1)) : 0);
  const cpu0 = cpuSeconds(proc.child.pid);
  const threads0 = threadCpu(proc.child.pid);
  const d = await drive(sender, parse, records, written, o.seconds * 1000);
  const t1 = cpuTimes();
  const rss = peakRssMiB(proc.child.pid);
  const serverCpu = cpuSeconds(proc.child.pid) - cpu0;
  const threads = threadBreakdown(proc.child.pid, threads0, threadCpu(proc.child.pid), d.report?.sent ?? 0, false);
  const code = await stop(proc);
  // The loss check below still decides whether anything went missing.
  const stopped = rsyslogStop(code === -1 ? null : code, proc.child.signalCode, proc.stderr);
  if (stopped.note) d.notes.push(stopped.note);
  if (stopped.problem) d.problems.push(stopped.problem);
  const lines = await countLines(out);
  const run = finishRun(d, size, records, lines, rss, serverCpu, load1, t0, t1);
  run.threads = threads;
  return run;
}

// ---------------------------------------------------------------------------------------------- raw

async function runRaw(size: number, records: number, o: Options, dir: string, mode: 'zeromq' | 'native' | 'batch'): Promise<Run> {
  // batch: --batch records per frame, joined by newlines; the loop counts frames.
  const join = mode === 'batch' ? o.batch : 1;
  const frames = Math.ceil(records / join);
  const receiver = start(process.execPath, [RAW_PULL, String(frames), '10', mode === 'native' ? 'native' : 'zeromq'], dir);
  const readyBy = Date.now() + 15_000;
  let endpoint: string | undefined;
  while (!endpoint) {
    const first = receiver.stdout.split('\n')[0];
    if (first.endsWith('}')) endpoint = (JSON.parse(first) as { endpoint: string }).endpoint;
    else if (Date.now() > readyBy || receiver.child.exitCode !== null) throw new Error(`raw-pull did not start: ${receiver.stderr.slice(-1000)}`);
    else await sleep(20);
  }
  const t0 = cpuTimes();
  const load1 = loadavg()[0];
  const sender = startPySender(endpoint, frames * join, size, o, undefined, join);
  const problems: string[] = [];
  const senderCode = await waitExit(sender, o.seconds * 1000 + 45_000);
  if (senderCode !== 0) problems.push(`sender exited with ${senderCode}: ${sender.stderr.slice(-1000)}`);
  const rss = peakRssMiB(receiver.child.pid);
  const receiverCode = await waitExit(receiver, 30_000);
  if (receiverCode !== 0) problems.push(`raw-pull exited with ${receiverCode}: ${receiver.stderr.slice(-1000)}`);
  const t1 = cpuTimes();
  let report: SenderReport | undefined;
  let received = 0;
  let endAt = Date.now();
  let cpu = NaN;
  try {
    report = parsePySender(sender.stdout);
    const r = JSON.parse(receiver.stdout.trim().split('\n').pop()!) as { received: number; lastAt: number; cpuSeconds: number };
    received = r.received * join;
    endAt = r.lastAt;
    cpu = r.cpuSeconds;
  } catch {
    problems.push(`no result: sender said ${sender.stdout.slice(-300)}, receiver said ${receiver.stdout.slice(-300)}`);
  }
  // Nothing is written to a file here; "lines" is what the receive loop counted.
  return finishRun({ report, written: received, endAt, problems, notes: [] }, size, records, received, rss, cpu, load1, t0, t1);
}

// ---------------------------------------------------------------------------------------------- report

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summariseCase(c: CaseId, build: string, size: number, records: number, runs: Run[]): CaseResult {
  const med = {
    recordsPerSecond: Math.round(median(runs.map((r) => r.recordsPerSecond))),
    mibPerSecond: Math.round(median(runs.map((r) => r.mibPerSecond)) * 10) / 10,
    peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    serverCpuUsPerRecord: Math.round(median(runs.map((r) => r.serverCpuUsPerRecord)) * 100) / 100,
    senderCpuUsPerRecord: Math.round(median(runs.map((r) => r.senderCpuUsPerRecord)) * 100) / 100,
  } as CaseResult['median'];
  if (c === 'c' || c === 'b' || c === 'bp' || c === 'bpcurve' || c === 'latb' || c === 'latc') {
    med.p50Ms = Math.round(median(runs.map((r) => r.client?.p50Ms ?? NaN)) * 100) / 100;
    med.p99Ms = Math.round(median(runs.map((r) => r.client?.p99Ms ?? NaN)) * 100) / 100;
  }
  if (c === 'latb' || c === 'latc') {
    med.p999Ms = Math.round(median(runs.map((r) => r.client?.p999Ms ?? NaN)) * 100) / 100;
    med.fdatasyncP50Ms = Math.round(median(runs.map((r) => r.client?.fdatasyncP50Ms ?? NaN)) * 100) / 100;
    med.fdatasyncP99Ms = Math.round(median(runs.map((r) => r.client?.fdatasyncP99Ms ?? NaN)) * 100) / 100;
  }
  return { case: c, build, size, records, runs, median: med, lossOk: runs.every((r) => r.lossOk) };
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');

function printTable(results: CaseResult[], floors: Floor[]): void {
  const head = ['case', 'build', 'size', 'records/s (median)', 'MiB/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'server CPU µs/rec', 'sender CPU µs/rec', 'loss check', 'runs (records/s)', 'busy', 'load1'];
  const rows = results.map((r) => [
    r.case,
    r.build,
    `${r.size} B`,
    fmt(r.median.recordsPerSecond),
    String(r.median.mibPerSecond),
    r.median.p50Ms === undefined ? '' : String(r.median.p50Ms),
    r.median.p99Ms === undefined ? '' : String(r.median.p99Ms),
    Number.isFinite(r.median.peakRssMiB) ? String(r.median.peakRssMiB) : '-',
    String(r.median.serverCpuUsPerRecord),
    String(r.median.senderCpuUsPerRecord),
    r.lossOk ? `ok ${fmt(r.runs[0]?.sent ?? 0)}` : 'FAILED',
    r.runs.map((x) => fmt(x.recordsPerSecond) + (x.capped ? '(capped)' : '')).join(' / '),
    r.runs.map((x) => x.machineBusy.toFixed(2)).join(' '),
    r.runs.map((x) => x.load1.toFixed(1)).join(' '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\n' + line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  console.log('  server CPU = user+system time of the collector (or rsyslogd), all threads, from first to last record, per record');
  console.log('  busy = share of all CPUs busy during the run (every process on the machine); load1 = 1-min load at its start');
  for (const f of floors) console.log(`  floor ${f.name}: ${fmt(f.floor)} records/s, measured ${fmt(f.measured)}: ${f.met ? 'met' : 'NOT MET'}`);
}

interface Floor {
  name: string;
  floor: number;
  measured: number;
  met: boolean;
}

async function main(): Promise<number> {
  let o: Options | undefined;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  const base = mkdtempSync(join(tmpdir(), 'zlog-bench-'));
  console.log(`zlog bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, work dir ${base}`);
  const results: CaseResult[] = [];
  let failures = 0;
  /** Half the records/s of `c` at `size`: its median earlier in this run, else of one shorter run of it now. */
  const halfCapacity = async (c: 'bp' | 'c', size: number): Promise<number | undefined> => {
    const known = results.find((r) => r.case === c && r.size === size && r.build === 'this');
    if (known) return Math.round(known.median.recordsPerSecond / 2);
    const dir = join(base, `${c}-${size}-capacity`);
    mkdirSync(dir, { recursive: true });
    try {
      const run = await runZlog(o.builds[o.builds.length - 1], c, size, Math.round(defaultRecords(c, size) / 3), o, dir);
      console.log(`  capacity for the open-loop case: ${c} ${size} B ${fmt(run.recordsPerSecond)} records/s${run.lossOk ? '' : ' (loss check failed: not used)'}`);
      return run.lossOk ? Math.round(run.recordsPerSecond / 2) : undefined;
    } catch (err) {
      console.error(`  !!!!! capacity run ${c} ${size} B failed: ${(err as Error).message}`);
      return undefined;
    } finally {
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
    }
  };
  for (const size of o.sizes) {
    for (const c of o.cases) {
      let records = o.records ?? defaultRecords(c, size);
      if (c === 'latb' || c === 'latc') {
        const rate = o.rate ?? (await halfCapacity(c === 'latb' ? 'bp' : 'c', size));
        if (!rate) {
          console.error(`  !!!!! ${c} ${size} B: no capacity to take half of`);
          failures++;
          continue;
        }
        records = rate * latSeconds(o);
      }
      // rsyslog does not depend on the build; zlog cases run once per build, alternating which goes first.
      const builds = c === 'rsyslog' || c === 'raw' || c === 'rawnative' || c === 'rawbatch' ? [o.builds[o.builds.length - 1]] : o.builds;
      const runs = new Map<string, Run[]>(builds.map((b) => [b.label, []]));
      for (let i = 0; i < o.repeat; i++) {
        const order = i % 2 === 0 ? builds : [...builds].reverse();
        for (const build of order) {
          const label = `${c} ${size} B${builds.length > 1 ? ` [${build.label}]` : ''} run ${i + 1}`;
          const dir = join(base, `${c}-${size}-${build.label}-${i + 1}`);
          mkdirSync(dir, { recursive: true });
          let run: Run;
          try {
            run = c === 'rsyslog' ? await runRsyslog(size, records, o, dir) : c === 'raw' || c === 'rawnative' || c === 'rawbatch' ? await runRaw(size, records, o, dir, c === 'raw' ? 'zeromq' : c === 'rawbatch' ? 'batch' : 'native') : await runZlog(build, c, size, records, o, dir);
          } catch (err) {
            console.error(`  !!!!! ${label} failed: ${(err as Error).message}`);
            failures++;
            continue;
          }
          runs.get(build.label)!.push(run);
          const cl = run.client;
          const lat = !cl ? '' : cl.p999Ms !== undefined ? `, open loop at ${fmt(cl.rate ?? NaN)} records/s (${o.sender} sender): ack p50 ${cl.p50Ms.toFixed(2)} ms p99 ${cl.p99Ms.toFixed(2)} ms p999 ${cl.p999Ms.toFixed(2)} ms max ${cl.maxMs.toFixed(1)} ms; disk fdatasync p50 ${cl.fdatasyncP50Ms?.toFixed(2)} ms p99 ${cl.fdatasyncP99Ms?.toFixed(2)} ms` : c === 'b' || c === 'bp' || c === 'bpcurve' || c === 'c' ? `, ack p50 ${cl.p50Ms.toFixed(1)} ms p99 ${cl.p99Ms.toFixed(1)} ms` : '';
          console.log(`  ${label}: ${fmt(run.sent)} records in ${run.seconds} s = ${fmt(run.recordsPerSecond)} records/s, ${run.mibPerSecond} MiB/s${lat}, peak RSS ${run.peakRssMiB} MiB, server CPU ${run.serverCpuUsPerRecord} µs/rec, sender CPU ${run.senderCpuUsPerRecord} µs/rec, lines ${fmt(run.lines)}, machine busy ${run.machineBusy}, load1 ${run.load1}`);
          if (run.threads) console.log(`    server CPU µs/record by thread: ${Object.entries(run.threads).filter(([, v]) => v >= 0.05).map(([k, v]) => `${k} ${v}`).join(', ')}`);
          for (const n of run.notes) console.log(`    note: ${n}`);
          for (const l of run.breakdown ?? []) console.log(`    ${l}`);
          for (const p of run.problems) {
            console.error(`  !!!!! ${label}: ${p}`);
            failures++;
          }
          if (!o.keep) rmSync(dir, { recursive: true, force: true });
        }
      }
      for (const b of builds) {
        const r = runs.get(b.label)!;
        if (r.length) results.push(summariseCase(c, b.label, size, records, r));
      }
    }
  }
  const get = (c: CaseId, size: number, build = 'this') => results.find((r) => r.case === c && r.size === size && (r.build === build || c === 'rsyslog' || c === 'raw' || c === 'rawnative' || c === 'rawbatch'));
  const floors: Floor[] = [];
  const fa = get('a', 100);
  if (fa) floors.push({ name: '(a) pyzmq PUSH 100 B', floor: 300_000, measured: fa.median.recordsPerSecond, met: fa.median.recordsPerSecond >= 300_000 });
  const fb = get('b', 100);
  if (fb) floors.push({ name: '(b) native received 100 B, ZlogClient sender', floor: 2_000_000, measured: fb.median.recordsPerSecond, met: fb.median.recordsPerSecond >= 2_000_000 });
  const fbp = get('bp', 100);
  if (fbp) floors.push({ name: '(b) native received 100 B, prebuilt sender', floor: 2_000_000, measured: fbp.median.recordsPerSecond, met: fbp.median.recordsPerSecond >= 2_000_000 });
  if (results.length) printTable(results, floors);
  const ratios: Record<string, number> = {};
  for (const size of o.sizes) {
    const z = get('a', size);
    const r = get('rsyslog', size);
    if (z && r && r.median.recordsPerSecond > 0) {
      ratios[`a/rsyslog@${size}`] = Math.round((z.median.recordsPerSecond / r.median.recordsPerSecond) * 100) / 100;
      console.log(`  zlog (a) / rsyslog at ${size} B: ${ratios[`a/rsyslog@${size}`]} (same sender, same run; zlog fdatasyncs every batch, rsyslog's omfile never syncs)`);
    }
    const zn = get('anosync', size);
    if (zn && r && r.median.recordsPerSecond > 0) {
      ratios[`anosync/rsyslog@${size}`] = Math.round((zn.median.recordsPerSecond / r.median.recordsPerSecond) * 100) / 100;
      console.log(`  zlog (anosync) / rsyslog at ${size} B: ${ratios[`anosync/rsyslog@${size}`]} (same sender, same run, neither syncs: like for like)`);
    }
    const raw = get('raw', size);
    if (z && raw && raw.median.recordsPerSecond > 0) {
      ratios[`a/raw@${size}`] = Math.round((z.median.recordsPerSecond / raw.median.recordsPerSecond) * 100) / 100;
      console.log(`  zlog (a) / bare zeromq.js receive loop at ${size} B: ${ratios[`a/raw@${size}`]} (same sender, same run)`);
    }
    const bp = get('bp', size);
    const rawBatch = get('rawbatch', size);
    if (bp && rawBatch && rawBatch.median.recordsPerSecond > 0) {
      ratios[`bp/rawbatch@${size}`] = Math.round((bp.median.recordsPerSecond / rawBatch.median.recordsPerSecond) * 100) / 100;
      console.log(`  zlog (bp) / bare zeromq.js receive of batched frames at ${size} B: ${ratios[`bp/rawbatch@${size}`]} (goal >= 0.5)`);
    }
    const jw0 = get('jw0', size);
    for (const c of ['jw1', 'jw2'] as const) {
      const jw = get(c, size);
      if (!jw0 || !jw || jw0.median.recordsPerSecond <= 0) continue;
      ratios[`${c}/jw0@${size}`] = Math.round((jw.median.recordsPerSecond / jw0.median.recordsPerSecond) * 100) / 100;
      console.log(`  JSON records with ${c === 'jw1' ? 1 : 2} worker thread(s) / inline at ${size} B: ${ratios[`${c}/jw0@${size}`]}${c === 'jw2' ? ' (goal >= 1.7)' : ''} (server CPU ${jw.median.serverCpuUsPerRecord} vs ${jw0.median.serverCpuUsPerRecord} µs/rec)`);
    }
    for (const [c, goal] of [['latb', 'p99 <= 1 ms'], ['latc', 'p99 <= disk fdatasync p99 + 1 ms']] as const) {
      const l = get(c, size);
      if (!l) continue;
      const m = l.median;
      console.log(`  ${c} at ${size} B, open loop at half capacity: ack p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, p999 ${m.p999Ms} ms; disk fdatasync p50 ${m.fdatasyncP50Ms} ms, p99 ${m.fdatasyncP99Ms} ms (goal: ${goal})`);
    }
    const rawNative = get('rawnative', size);
    if (z && rawNative && rawNative.median.recordsPerSecond > 0) {
      ratios[`a/rawnative@${size}`] = Math.round((z.median.recordsPerSecond / rawNative.median.recordsPerSecond) * 100) / 100;
      console.log(`  zlog (a) / bare native receive thread at ${size} B: ${ratios[`a/rawnative@${size}`]} (same sender, same run)`);
    }
    if (raw && rawNative && raw.median.recordsPerSecond > 0) {
      ratios[`rawnative/raw@${size}`] = Math.round((rawNative.median.recordsPerSecond / raw.median.recordsPerSecond) * 100) / 100;
      console.log(`  bare native receive thread / bare zeromq.js receive loop at ${size} B: ${ratios[`rawnative/raw@${size}`]}`);
    }
    for (const [curve, plain, what] of [['acurve', 'a', 'single-record PUSH frames'], ['bpcurve', 'bp', 'native batched (pre-encoded)']] as const) {
      const withCurve = get(curve, size);
      const without = get(plain, size);
      if (!withCurve || !without || without.median.recordsPerSecond <= 0) continue;
      ratios[`${curve}/${plain}@${size}`] = Math.round((withCurve.median.recordsPerSecond / without.median.recordsPerSecond) * 100) / 100;
      const cpu = without.median.serverCpuUsPerRecord > 0 ? `, server CPU per record ${(withCurve.median.serverCpuUsPerRecord / without.median.serverCpuUsPerRecord).toFixed(2)}x` : '';
      console.log(`  CURVE / plain, ${what} at ${size} B: ${ratios[`${curve}/${plain}@${size}`]} of the records/s${cpu} (same run)`);
    }
    for (const c of o.builds.length > 1 ? o.cases : []) {
      const now = get(c, size);
      const before = get(c, size, 'baseline');
      if (c === 'rsyslog' || c === 'raw' || c === 'rawnative' || c === 'rawbatch' || !now || !before || before.median.recordsPerSecond <= 0) continue;
      ratios[`${c}/baseline@${size}`] = Math.round((now.median.recordsPerSecond / before.median.recordsPerSecond) * 100) / 100;
      console.log(`  ${c} at ${size} B, this build / baseline: ${ratios[`${c}/baseline@${size}`]} (interleaved runs)`);
    }
  }
  const lossFailed = results.filter((r) => !r.lossOk);
  if (lossFailed.length) console.error(`\n!!!!! LOSS CHECK FAILED in: ${lossFailed.map((r) => `${r.case} ${r.size} B`).join(', ')} (lines in the file != records sent)`);
  const micro: Record<string, string[]> = {};
  for (const m of runMicro ? MICRO : []) {
    const name = m.file.slice(m.file.lastIndexOf('/') + 1);
    if (!existsSync(m.file)) {
      console.log(`\n(micro-benchmark ${name} is not in this build; skipped)`);
      continue;
    }
    console.log(`\nmicro-benchmark ${name}: ${m.what}`);
    const p = start(process.execPath, [m.file, ...m.args]);
    const code = await waitExit(p, 180_000);
    console.log(p.stdout.trimEnd());
    micro[name] = p.stdout.trim().split('\n');
    if (code !== 0) {
      console.error(`  !!!!! ${name} exited with ${code}: ${p.stderr.slice(-1000)}`);
      failures++;
    }
  }
  console.log(
    'BENCH_JSON ' +
      JSON.stringify({
        at: new Date().toISOString(),
        machine: { cpus: cpus().length, node: process.version, loadavgAtEnd: loadavg() },
        results: results.map((r) => ({ case: r.case, build: r.build, description: CASES[r.case], size: r.size, records: r.records, median: r.median, lossOk: r.lossOk, runs: r.runs })),
        floors,
        ratios,
        micro,
      }),
  );
  if (!o.keep) rmSync(base, { recursive: true, force: true });
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(`bench: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  },
);
