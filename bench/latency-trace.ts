// Where the send->ACK time of the open-loop cases goes: joins the sender's per-batch send and ACK times
// (bench/open-loop.ts TRACE) with the collector's stage timestamps (ZLOG_LATENCY_TRACE,
// collector/observability/latency-trace.ts) by sequence number, and prints per segment of the path its
// p50/p99/p999, and what the slowest 1% of batches spent in each segment (the tail's make-up), with the
// collector's GC pauses, event-loop delay and file writes of the same run.
//   node dist/bench/latency-trace.js SERVER_TRACE SENDER_TRACE
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { benchArgs } from './cli.js';

/**
 * Segments of the path: name, the stage names (server trace) or 'sent'/'senderAck' bounding it, and which
 * batches take it: every batch, those acknowledged after processing (`processed`: persisted mode, compressed
 * batches), those acknowledged by the main thread at admission (`admission`: uncompressed batches in received
 * mode, whose ACK goes out before the chunk is posted; their worker segments are not on the send->ACK path and are
 * left out), or those the native receive thread acknowledged itself (`thread`: received mode within the input's
 * budget, native/src/receiver.cc AckAtReceipt; the ACK goes out before the main thread sees the batch).
 */
type Path = 'processed' | 'admission' | 'thread';
const SEGMENTS: readonly [string, string, string, 'all' | Path | 'main'][] = [
  ['sender -> receive thread', 'sent', 'received', 'all'],
  ['receive thread: until ACK', 'received', 'acked', 'thread'],
  ['thread -> main thread', 'received', 'handled', 'main'],
  ['main: until ACK (admission)', 'handled', 'acked', 'admission'],
  ['main: until posted', 'handled', 'posted', 'processed'],
  ['post -> worker start', 'posted', 'workerStart', 'processed'],
  ['worker', 'workerStart', 'workerEnd', 'processed'],
  ['worker -> main', 'workerEnd', 'back', 'processed'],
  ['in-order release', 'back', 'released', 'processed'],
  ['release -> ACK (sinks)', 'released', 'acked', 'processed'], // the sinks' writes in persisted mode
  // The three parts of `release -> ACK (sinks)` with the file sink's own writes (fileWriteFields): the batch's
  // data goes out in the first write that starts at or after its release (one write in flight at a time: group
  // commit), so it waits for the write in flight, then its own O_DSYNC writev (timed from its start until the
  // main thread resumes after it), then the main thread's way from that write to handing the ACK over.
  ['  wait for the write before', 'released', 'writeStart', 'processed'],
  ['  its O_DSYNC write', 'writeStart', 'writeEnd', 'processed'],
  ['  write -> ACK (main)', 'writeEnd', 'acked', 'processed'],
  ['ACK -> sender', 'acked', 'senderAck', 'all'],
];

/** perf_hooks' GC kinds (constants.NODE_PERFORMANCE_GC_*). */
const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental marking', 8: 'weak callbacks' };

interface ServerTrace {
  stages: string[];
  rows: (number | null)[][];
  gc: number[];
  fileWrites: number[];
  eventLoopDelayMs: { p50: number; p99: number; p999: number; max: number };
  /** Sequence numbers of the batches the receive thread acknowledged itself (absent before it did). */
  threadAcks?: number[];
  /** Present since the file sink writes O_DSYNC: then fileWrites holds [start, ms, synced, bytes] per write. */
  fileWriteFields?: string[];
}

function fileWriteTimes(server: ServerTrace): { total: number; write: number; sync: number; synced: boolean }[] {
  const out: { total: number; write: number; sync: number; synced: boolean }[] = [];
  const v = server.fileWrites;
  for (let i = 0; i + 3 < v.length; i += 4) {
    if (server.fileWriteFields) out.push({ total: v[i + 1], write: v[i + 1], sync: 0, synced: v[i + 2] === 1 });
    else out.push({ total: v[i + 1] + v[i + 2], write: v[i + 1], sync: v[i + 2], synced: true });
  }
  return out;
}

const pct = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');

/** The report as lines of text; throws when a file is missing or not a trace. */
export function latencyBreakdown(serverFile: string, senderFile: string): string[] {
  const server = JSON.parse(readFileSync(serverFile, 'utf8')) as ServerTrace;
  const sender = JSON.parse(readFileSync(senderFile, 'utf8')) as number[][];
  const col = new Map(server.stages.map((s, i) => [s, i + 1]));
  const bySeq = new Map<number, (number | null)[]>();
  for (const r of server.rows) bySeq.set(r[0] as number, r);
  const batches: { total: number; seg: number[]; sent: number; acked: number }[] = [];
  const paths: Record<Path, number> = { thread: 0, admission: 0, processed: 0 };
  const byThread = new Set(server.threadAcks ?? []);
  // The file sink's writes by start time (builds with fileWriteFields: [start, ms, synced, bytes] per write).
  const writes: [number, number][] = [];
  if (server.fileWriteFields) for (let i = 0; i + 3 < server.fileWrites.length; i += 4) writes.push([server.fileWrites[i], server.fileWrites[i] + server.fileWrites[i + 1]]);
  writes.sort((a, b) => a[0] - b[0]);
  /** The first write starting at or after t (the one that carried a batch released at t), or undefined. */
  const writeAfter = (t: number): [number, number] | undefined => {
    let lo = 0;
    let hi = writes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (writes[mid][0] < t) lo = mid + 1;
      else hi = mid;
    }
    return writes[lo];
  };
  for (const [seq, sent, senderAck] of sender) {
    const row = bySeq.get(seq);
    if (!row) continue;
    const released = row[col.get('released')!] ?? NaN;
    const w = Number.isFinite(released) ? writeAfter(released) : undefined;
    const at = (name: string): number =>
      name === 'sent' ? sent : name === 'senderAck' ? senderAck : name === 'writeStart' ? (w?.[0] ?? NaN) : name === 'writeEnd' ? (w?.[1] ?? NaN) : (row[col.get(name)!] ?? NaN);
    const path: Path = byThread.has(seq) ? 'thread' : at('acked') <= at('posted') ? 'admission' : 'processed';
    paths[path]++;
    const on = (which: string): boolean => which === 'all' || which === path || (which === 'main' && path !== 'thread');
    batches.push({ total: senderAck - sent, seg: SEGMENTS.map(([, a, b, which]) => (on(which) ? at(b) - at(a) : NaN)), sent, acked: senderAck });
  }
  const lines: string[] = [];
  if (batches.length === 0) return [`latency trace: no batch in both traces (${server.rows.length} on the collector, ${sender.length} acknowledged at the sender)`];
  const totals = batches.map((b) => b.total).sort((a, b) => a - b);
  const p99 = pct(totals, 99);
  const tail = batches.filter((b) => b.total >= p99);
  lines.push(`latency trace: ${batches.length} batches joined; send->ACK p50 ${f(pct(totals, 50))} p99 ${f(p99)} p999 ${f(pct(totals, 99.9))} max ${f(totals[totals.length - 1])} ms`);
  lines.push(`  ACKed by the receive thread ${paths.thread}, by the main thread at admission ${paths.admission}, after processing ${paths.processed}`);
  lines.push(`  ${'segment'.padEnd(26)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'p999'.padStart(7)} ${'max'.padStart(7)}   mean in the slowest 1% (${tail.length})`);
  SEGMENTS.forEach(([name], i) => {
    const v = batches.map((b) => b.seg[i]).filter(Number.isFinite).sort((a, b) => a - b);
    if (v.length === 0) return; // a path no batch of this run took
    const t = tail.map((b) => b.seg[i]).filter(Number.isFinite);
    const mean = t.length ? t.reduce((a, b) => a + b, 0) / t.length : NaN;
    lines.push(`  ${name.padEnd(26)} ${f(pct(v, 50)).padStart(7)} ${f(pct(v, 99)).padStart(7)} ${f(pct(v, 99.9)).padStart(7)} ${f(v[v.length - 1]).padStart(7)}   ${f(mean).padStart(7)}`);
  });
  // GC pauses of the collector's main thread, and how many fell inside a slow batch's send->ACK window.
  const gc: [number, number, number][] = [];
  for (let i = 0; i + 2 < server.gc.length; i += 3) gc.push([server.gc[i], server.gc[i + 1], server.gc[i + 2]]);
  const inTail = tail.filter((b) => gc.some(([s, d]) => s < b.acked && s + d > b.sent)).length;
  const kinds = [...new Set(gc.map((g) => g[2]))].sort().map((k) => {
    const ms = gc.filter((g) => g[2] === k).map((g) => g[1]).sort((a, b) => a - b);
    return `${GC_KINDS[k] ?? `kind ${k}`} ${ms.length} (total ${f(ms.reduce((a, b) => a + b, 0))} ms, max ${f(ms[ms.length - 1])})`;
  });
  lines.push(`  collector main thread: GC pauses: ${kinds.join(', ') || 'none'}; a pause inside ${inTail} of the ${tail.length} slowest batches; event-loop delay p50 ${f(server.eventLoopDelayMs.p50)} p99 ${f(server.eventLoopDelayMs.p99)} p999 ${f(server.eventLoopDelayMs.p999)} max ${f(server.eventLoopDelayMs.max)} ms`);
  // Per write, what the sink waited for: writev + fdatasync (older builds: two calls, each timed) or one O_DSYNC
  // writev (fileWriteFields: [start, ms, synced, bytes]).
  const w = fileWriteTimes(server);
  const sorted = (k: 'total' | 'write' | 'sync') => w.map((x) => x[k]).sort((a, b) => a - b);
  if (w.length) {
    const t = sorted('total');
    const split = server.fileWriteFields ? `${w.filter((x) => x.synced).length} with O_DSYNC` : `writev p50 ${f(pct(sorted('write'), 50))} p99 ${f(pct(sorted('write'), 99))}, then fdatasync p50 ${f(pct(sorted('sync'), 50))} p99 ${f(pct(sorted('sync'), 99))} ms`;
    lines.push(`  file sink: ${w.length} writes, write + sync p50 ${f(pct(t, 50))} p99 ${f(pct(t, 99))} max ${f(t[t.length - 1])} ms (${split})`);
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const usage = 'usage: node dist/bench/latency-trace.js SERVER_TRACE SENDER_TRACE   (the per-segment send->ACK breakdown of a latb/latc run)';
  const { positionals } = benchArgs(usage, { options: {}, allowPositionals: true });
  const [serverFile, senderFile] = positionals;
  if (!serverFile || !senderFile || positionals.length > 2) {
    console.error(usage);
    process.exit(2);
  }
  for (const l of latencyBreakdown(serverFile, senderFile)) console.log(l);
}
