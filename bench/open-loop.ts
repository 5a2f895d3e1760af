// Open-loop load for the latency cases (latb, latc): pre-encoded native batches sent on a fixed schedule (RATE
// records/s, whatever the replies do), so latency is measured at a chosen load instead of at saturation (a
// closed-loop sender slows down with the server and hides its queueing).
// In the same run a worker thread measures the disk's own fdatasync latency (4 KiB write + fdatasync every
// 20 ms in DIR), the floor for `persisted` acknowledgements.
//   node dist/bench/open-loop.js [--native BIN] ENDPOINT RATE SIZE BATCH SECONDS DIR [TRACE]
// Prints one JSON line: records sent/acked, NACKs, send->ACK p50/p99/p999/max (ms), fdatasync p50/p99 (ms).
// With TRACE, also writes each batch's [seq, sent, acked] (ms since the epoch) there as JSON, for
// bench/latency-trace.ts to join with the collector's own stage timestamps (ZLOG_LATENCY_TRACE).
// Without --native the batches go out from this process's zeromq.js socket and both timestamps are taken on its
// event loop, so its own timers, promise hops and GC pauses are part of what it measures. With --native BIN
// (bench/open-loop-native.cc, built by bench/run.ts) a C++ thread sends the same batches on the same schedule
// and takes each timestamp next to the libzmq call: the server's latency, not this sender's.
import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Dealer } from 'zeromq';
import { encodeHeader, parseHeader } from '../collector/protocol/header.js';
import { encodeMessage } from '../collector/protocol/message.js';
import { decodeReply } from '../collector/protocol/reply.js';

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}
const round = (x: number) => Math.round(x * 1000) / 1000;

if (!isMainThread) {
  // fdatasync probe: until told to stop (or 10 minutes), bounded by count too.
  const { dir } = workerData as { dir: string };
  const file = join(dir, 'fdatasync-probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 120);
  const times: number[] = [];
  let stop = false;
  parentPort!.on('message', () => (stop = true));
  const end = Date.now() + 600_000;
  const tick = () => {
    if (stop || Date.now() > end || times.length >= 100_000) {
      closeSync(fd);
      unlinkSync(file);
      parentPort!.postMessage(times);
      return;
    }
    writeSync(fd, block, 0, block.length, (times.length % 256) * 4096);
    const t = performance.now();
    fdatasyncSync(fd);
    times.push(performance.now() - t);
    setTimeout(tick, 20);
  };
  tick();
} else {
  const args = process.argv.slice(2);
  const nativeBin = args[0] === '--native' ? args[1] : undefined;
  const [endpoint, rateArg, sizeArg, batchArg, secondsArg, dir, traceFile] = nativeBin === undefined ? args : args.slice(2);
  const [rate, size, batch, seconds] = [rateArg, sizeArg, batchArg, secondsArg].map(Number);
  if (!endpoint || !dir || ![rate, size, batch, seconds].every((n) => n > 0) || (args[0] === '--native' && !nativeBin)) {
    console.error('usage: node dist/bench/open-loop.js [--native BIN] ENDPOINT RATE SIZE BATCH SECONDS DIR [TRACE]');
    process.exit(2);
  }
  const probe = new Worker(new URL(import.meta.url), { workerData: { dir } });
  const probeDone = new Promise<number[]>((resolve) => probe.once('message', resolve));
  const pad = 'x'.repeat(Math.max(0, size - 12));
  const recs = Array.from({ length: batch }, (_, i) => (String(i).padStart(11, '0') + ' ' + pad).slice(0, size));
  const [proto, payload] = encodeMessage(0n, recs, { compression: 'none' });
  const h = parseHeader(proto);
  if (nativeBin !== undefined) {
    await runNative(nativeBin, { endpoint, rate, batch, seconds, dir, traceFile, frames: [proto, payload], probe, probeDone });
    process.exit(process.exitCode ?? 0);
  }
  const sock = new Dealer({ sendTimeout: 5000, receiveTimeout: 100, linger: 0, sendHighWaterMark: 100_000 });
  sock.connect(endpoint);
  const intervalMs = (batch / rate) * 1000;
  const total = Math.max(1, Math.floor((seconds * 1000) / intervalMs));
  const scheduledAt = new Map<bigint, number>();
  const latencies: number[] = [];
  /** Per acknowledged batch when TRACE is given: seq, sent and acked (ms since the epoch). */
  const trace: number[][] = [];
  let acked = 0;
  let nacked = 0;
  let sent = 0;
  const startedAt = Date.now();
  const t0 = performance.now() + 200; // let the connection settle
  let sending = true;
  const receiver = (async () => {
    while (sending || (scheduledAt.size > 0 && performance.now() < t0 + seconds * 1000 + 15_000)) {
      let frame: Buffer;
      try {
        [frame] = await sock.receive();
      } catch {
        continue; // receiveTimeout: look at the loop condition again
      }
      const r = decodeReply(frame);
      const at = scheduledAt.get(r.seq);
      if (at === undefined) continue;
      scheduledAt.delete(r.seq);
      if (r.type === 'ack') {
        const t = performance.now();
        latencies.push(t - at);
        if (traceFile) trace.push([Number(r.seq), performance.timeOrigin + at, performance.timeOrigin + t]);
        acked++;
      } else {
        nacked++;
      }
    }
  })();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const seq = BigInt(i + 1);
    // From the actual send: the schedule never waits for replies (the send queue holds 100,000 batches), so a
    // slow collector cannot slow the load down; a timer firing late is the sender's delay, not the server's.
    scheduledAt.set(seq, performance.now());
    await sock.send([encodeHeader({ ...h, seq }), payload]);
    sent++;
  }
  sending = false;
  await receiver;
  sock.close();
  probe.postMessage('stop');
  const fsyncs = (await probeDone).sort((a, b) => a - b);
  await probe.terminate();
  report({ startedAt, cpuSeconds: process.cpuUsage(), batch, seconds, sent, acked, unanswered: nacked + scheduledAt.size, latencies, trace, traceFile, fsyncs });
}

/** Prints the one JSON line (module header) and writes the trace. */
function report(r: { startedAt: number; cpuSeconds: NodeJS.CpuUsage | number; batch: number; seconds: number; sent: number; acked: number; unanswered: number; latencies: number[]; trace: number[][]; traceFile?: string; fsyncs: number[] }): void {
  const { batch, latencies, fsyncs } = r;
  latencies.sort((a, b) => a - b);
  if (r.traceFile) writeFileSync(r.traceFile, JSON.stringify(r.trace));
  const cpuSeconds = typeof r.cpuSeconds === 'number' ? r.cpuSeconds : (r.cpuSeconds.user + r.cpuSeconds.system) / 1e6;
  console.log(
    JSON.stringify({
      startedAt: r.startedAt,
      cpuSeconds,
      records: r.sent * batch,
      acked: r.acked * batch,
      failed: r.unanswered * batch,
      retries: 0,
      recordsPerSecond: Math.round((r.acked * batch) / r.seconds),
      latencyMs: { p50: round(pct(latencies, 50)), p99: round(pct(latencies, 99)), p999: round(pct(latencies, 99.9)), max: round(latencies[latencies.length - 1] ?? NaN) },
      fdatasyncMs: { p50: round(pct(fsyncs, 50)), p99: round(pct(fsyncs, 99)), count: fsyncs.length },
    }),
  );
}

/**
 * --native: the batch (header with sequence number 0, then the payload) goes to BIN in a file; BIN sends it on the
 * schedule and prints "seq sent acked type" per answered batch, "cpu S" and "sent N" (bench/open-loop-native.cc).
 * The reported CPU is BIN's: this process only waits for it (and runs the fdatasync probe, as without --native).
 */
async function runNative(
  bin: string,
  o: { endpoint: string; rate: number; batch: number; seconds: number; dir: string; traceFile?: string; frames: Buffer[]; probe: Worker; probeDone: Promise<number[]> },
): Promise<void> {
  const template = join(o.dir, 'open-loop-batch.bin');
  writeFileSync(template, Buffer.concat(o.frames));
  const startedAt = Date.now();
  const child = spawn(bin, [o.endpoint, String(o.rate), String(o.batch), String(o.seconds), template], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  o.probe.postMessage('stop');
  const fsyncs = (await o.probeDone).sort((a, b) => a - b);
  await o.probe.terminate();
  unlinkSync(template);
  if (code !== 0) {
    console.error(`open-loop: ${bin} exited with ${code}`);
    process.exitCode = 1;
    return;
  }
  let cpuSeconds = NaN;
  let sent = 0;
  let acked = 0;
  let nacked = 0;
  const latencies: number[] = [];
  const trace: number[][] = [];
  for (const line of Buffer.concat(out).toString('utf8').split('\n')) {
    const f = line.split(' ');
    if (f[0] === 'cpu') cpuSeconds = Number(f[1]);
    else if (f[0] === 'sent') sent = Number(f[1]);
    else if (f.length === 4) {
      const [seq, at, ackAt, type] = f.map(Number);
      if (type !== 1) {
        nacked++;
        continue;
      }
      acked++;
      latencies.push(ackAt - at);
      if (o.traceFile) trace.push([seq, at, ackAt]);
    }
  }
  report({ startedAt, cpuSeconds, batch: o.batch, seconds: o.seconds, sent, acked, unanswered: sent - acked, latencies, trace, traceFile: o.traceFile, fsyncs });
}
