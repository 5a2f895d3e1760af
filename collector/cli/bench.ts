// The load generator behind `zlog bench` (commands/bench.ts) and bench/native-sender.ts: sends `records` records
// of `size` bytes (or stops after `seconds`) over the native protocol, waits for every ACK, and measures
// records/s, MiB/s and send-to-ack latency.
import { ZlogClient, type CurveClientKeys } from '../client/client.js';

export interface BenchOptions {
  endpoint: string;
  records: number;
  size: number;
  batch: number;
  seconds: number;
  /** CurveZMQ keys when the endpoint is a CURVE input. */
  curve?: CurveClientKeys;
  /** Connect to every address the endpoint's name resolves to (ZlogClient.connectAll). */
  spread?: boolean;
}

export interface BenchResult {
  records: number;
  acked: number;
  failed: number;
  seconds: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  retries: number;
}

export async function runBench(o: BenchOptions & { onProgress?: (acked: number) => void }): Promise<BenchResult> {
  const client = new ZlogClient({ maxBatchRecords: o.batch, maxBatchBytes: Math.max(o.batch * (o.size + 4), 65536), compression: 'none', maxInFlightBatches: 16, maxDelayMs: 2, curve: o.curve });
  if (o.spread) await client.connectAll(o.endpoint);
  else client.connect(o.endpoint);
  // Distinct records (a sequence number in each) so a reader can check every one arrived exactly once.
  const pad = 'x'.repeat(Math.max(0, o.size - 12));
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1000;
  let sent = 0;
  // Every record of a batch shares one promise: observing each distinct one once keeps rejections handled
  // without a derived promise per record (those were most of this loop's garbage). Failures are counted by
  // the client (stats.failedRecords).
  let observed: Promise<void> | undefined;
  for (; sent < o.records; sent++) {
    // Reading the clock per record costs more than the record; every 1024 is precise enough for a time cap.
    if ((sent & 1023) === 0) {
      if (performance.now() >= deadline) break;
      o.onProgress?.(client.stats.ackedRecords);
    }
    const rec = (String(sent).padStart(11, '0') + ' ' + pad).slice(0, o.size);
    const p = client.send(rec);
    if (p !== observed) {
      observed = p;
      p.catch(() => {});
    }
    if (!client.writable) await client.whenWritable();
  }
  await client.flush().catch(() => {});
  await client.close(60_000);
  const seconds = (performance.now() - t0) / 1000;
  const s = client.stats;
  const lat = client.latency();
  return {
    records: sent,
    acked: s.ackedRecords,
    failed: s.failedRecords,
    seconds,
    recordsPerSecond: Math.round(s.ackedRecords / seconds),
    mibPerSecond: Math.round(((s.ackedRecords * o.size) / seconds / 1048576) * 10) / 10,
    latencyMs: { p50: lat.p50Ms, p99: lat.p99Ms, max: lat.maxMs },
    retries: s.retries,
  };
}

/** runBenchPrebuilt's pause before it resends a batch NACKed busy: this, doubling per NACK in a row, up to RESEND_MAX_MS. */
const RESEND_MS = 5;
const RESEND_MAX_MS = 160;

/**
 * The collector's capacity rather than the client's: identical pre-encoded batches (only the header's sequence
 * number changes) from one DEALER with a window of batches in flight, so the sender costs almost nothing per
 * record. Batches NACKed busy are resent after a short pause, and each busy NACK burst halves the batches it
 * keeps unanswered (see cwnd). Records are not unique, so a reader can check
 * counts, not identities.
 */
/**
 * Sends `records` records in identical pre-encoded batches, `window` unacknowledged at most. `record(i, size)`
 * makes the batch's i-th record (default: text of `size` bytes with the index in front).
 */
export async function runBenchPrebuilt(o: BenchOptions & { window?: number; record?: (i: number, size: number) => string }): Promise<BenchResult> {
  const { Dealer } = await import('zeromq');
  const { encodeMessage } = await import('../protocol/message.js');
  const { encodeHeader, parseHeader } = await import('../protocol/header.js');
  const { decodeReply } = await import('../protocol/reply.js');
  const pad = 'x'.repeat(Math.max(0, o.size - 12));
  const recs = Array.from({ length: o.batch }, (_, i) => (o.record ? o.record(i, o.size) : (String(i).padStart(11, '0') + ' ' + pad).slice(0, o.size)));
  const [proto, payload] = encodeMessage(0n, recs, { compression: 'none' });
  const h = parseHeader(proto);
  const batches = Math.max(1, Math.ceil(o.records / o.batch));
  const window = o.window ?? 32;
  const curve = o.curve ? { curveServerKey: o.curve.serverPublicKey, curvePublicKey: o.curve.publicKey, curveSecretKey: o.curve.secretKey } : {};
  const sock = new Dealer({ sendTimeout: 5000, receiveTimeout: 15_000, linger: 0, sendHighWaterMark: window * 2, ...curve });
  sock.connect(o.endpoint);
  const sentAt = new Map<bigint, number>();
  const latencies: number[] = [];
  // Batches NACKed busy and when each is due again: RESEND_MS after its NACK, doubling with each busy NACK of it in
  // a row up to RESEND_MAX_MS, with jitter (docs/protocol.md: retry later with exponential backoff and jitter), so a
  // collector refusing for long (a slow disk) is not sent the same batches over and over: each refused batch
  // costs its receive thread a copy and a CRC-32 of the whole batch.
  const resend: { seq: bigint; at: number }[] = [];
  const nacks = new Map<bigint, number>();
  // Sent and not answered yet (sentAt also holds the batches waiting to be resent).
  let unanswered = 0;
  // How many batches may be unanswered at once: halved on a busy NACK (at most once per RESEND_MS: one cut per
  // burst), one more per `cwnd` ACKs, up to `window`: additive increase, multiplicative decrease, as TCP's
  // congestion window (RFC 5681). In ackMode received the collector acknowledges a batch on arrival, so the window
  // alone bounded nothing and a busy NACK was the only brake.
  let cwnd = window;
  let lastCut = -Infinity;
  let next = 1n;
  let acked = 0;
  let retries = 0;
  let failed = 0;
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1000;
  // The sender sleeps on this until a reply frees a window slot (spinning would steal the collector's CPU).
  let wake: (() => void) | undefined;
  const replied = () => {
    wake?.();
    wake = undefined;
  };
  const receiver = (async () => {
    while (acked + failed < batches && performance.now() < deadline + 15_000) {
      let frame: Buffer;
      try {
        [frame] = await sock.receive();
      } catch {
        break; // nothing for receiveTimeout: give up on what is outstanding
      }
      const r = decodeReply(frame);
      const at = sentAt.get(r.seq);
      if (at === undefined) continue;
      unanswered--;
      if (r.type === 'ack') {
        sentAt.delete(r.seq);
        latencies.push(performance.now() - at);
        acked++;
        nacks.delete(r.seq);
        cwnd = Math.min(window, cwnd + 1 / cwnd);
      } else if (r.reason === 'busy') {
        const now = performance.now();
        const n = (nacks.get(r.seq) ?? 0) + 1;
        nacks.set(r.seq, n);
        resend.push({ seq: r.seq, at: now + Math.min(RESEND_MAX_MS, RESEND_MS * 2 ** (n - 1)) * (0.75 + Math.random() / 4) });
        resend.sort((a, b) => a.at - b.at);
        if (now - lastCut >= RESEND_MS) {
          cwnd = Math.max(1, cwnd / 2);
          lastCut = now;
        }
      } else {
        sentAt.delete(r.seq);
        nacks.delete(r.seq);
        failed++;
      }
      replied();
    }
    replied();
  })();
  // New batches go out until the deadline; a batch NACKed busy is resent until the grace period ends, so that
  // a busy NACK near the deadline does not leave its batch counted as failed (it was never written: the
  // collector refused it and said so). (This loop used to sleep 5 ms before each resend, sending nothing else
  // meanwhile: a burst of 30 busy NACKs stopped it for 150 ms while the collector, which had refused them for a
  // full queue, ran dry; bp at 100 B kept the machine only ~75% busy.)
  while (acked + failed < batches) {
    const now = performance.now();
    if (now >= deadline + 15_000 || (now >= deadline && resend.length === 0 && sentAt.size === 0)) break;
    const room = unanswered < Math.floor(cwnd);
    if (room && resend.length && resend[0].at <= now) {
      retries++;
      const { seq } = resend.shift()!;
      sentAt.set(seq, now);
      unanswered++;
      await sock.send([encodeHeader({ ...h, seq }), payload]);
    } else if (room && now < deadline && sentAt.size < window && next <= BigInt(batches)) {
      const seq = next++;
      sentAt.set(seq, now);
      unanswered++;
      await sock.send([encodeHeader({ ...h, seq }), payload]);
    } else {
      await new Promise<void>((r) => {
        wake = r;
        // bounded: re-check the deadline even if no reply comes; wake for a resend that falls due
        setTimeout(r, room && resend.length ? Math.max(1, Math.ceil(resend[0].at - now)) : 100);
      });
    }
  }
  // Timed here: the receiver may still be waiting on receive() (up to receiveTimeout) for batches never sent.
  const seconds = (performance.now() - t0) / 1000;
  sock.close();
  await receiver;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const ackedRecords = acked * o.batch;
  return {
    records: Number(next - 1n) * o.batch,
    acked: ackedRecords,
    failed: failed * o.batch + sentAt.size * o.batch,
    seconds,
    recordsPerSecond: Math.round(ackedRecords / seconds),
    mibPerSecond: Math.round(((ackedRecords * o.size) / seconds / 1048576) * 10) / 10,
    latencyMs: { p50: pct(50), p99: pct(99), max: latencies[latencies.length - 1] ?? 0 },
    retries,
  };
}
