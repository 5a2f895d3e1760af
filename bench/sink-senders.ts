// The two ways bench/sinks.ts feeds a collector: native batches encoded before the clock starts (as the direct
// loader builds its bulk bodies before it), or a ZlogClient encoding and sending every record inside the clock.
// Both wait for every record's persisted-mode ACK (the store has it) and resend what the collector NACKs busy.
import { Dealer } from 'zeromq';
import { ZlogClient } from '../collector/client/client.js';
import { encodeMessage } from '../collector/protocol/message.js';
import { decodeReply } from '../collector/protocol/reply.js';

/** Record i of a case: `<tag> rec-<i> ` padded with x to `size` bytes (the tag makes every case's records distinct and findable). */
export function message(i: number, size: number, tag: string): string {
  const head = `${tag} rec-${i} `;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

/** What a sender needs for one load: built by prepare() before the clock, sent by send() inside it. */
export interface SinkSender<L> {
  prepare(records: number, size: number, tag: string): L;
  send(load: L): Promise<void>;
  close(): Promise<void>;
}

/** ZlogClient's own batch limits (client.ts defaults): the prebuilt batches are cut the same way. */
const BATCH_RECORDS = 1000;
const BATCH_BYTES = 256 * 1024;
/** Batches in flight, as the ZlogClient case's maxInFlightBatches. */
const WINDOW = 32;
/** No reply for this long: the collector is stuck, the bench fails rather than wait for ever. */
const STALL_MS = 120_000;
/** Times a batch may be NACKed busy before the bench gives up on the run. */
const MAX_BUSY = 10_000;

/**
 * Native batches ([header, payload], uncompressed: on loopback compression only costs both ends CPU) made
 * before the clock; one DEALER sends them with WINDOW in flight. Sequence numbers run on across loads so that no
 * two batches of a connection share one.
 */
export class PrebuiltSender implements SinkSender<Buffer[][]> {
  private readonly sock: Dealer;
  private seq = 0n;

  constructor(endpoint: string) {
    this.sock = new Dealer({ linger: 0, sendHighWaterMark: WINDOW * 2, receiveTimeout: STALL_MS });
    this.sock.connect(endpoint);
  }

  prepare(records: number, size: number, tag: string): Buffer[][] {
    const per = Math.max(1, Math.min(BATCH_RECORDS, Math.ceil(BATCH_BYTES / size)));
    const batches: Buffer[][] = [];
    for (let start = 0; start < records; start += per) {
      const recs: string[] = [];
      for (let i = start; i < Math.min(records, start + per); i++) recs.push(message(i, size, tag));
      batches.push(encodeMessage(++this.seq, recs, { compression: 'none' }));
    }
    return batches;
  }

  /** Sends every batch and resolves once each is acknowledged; throws on a NACK other than busy, or a stall. */
  async send(batches: Buffer[][]): Promise<void> {
    const bySeq = new Map<bigint, Buffer[]>();
    for (const b of batches) bySeq.set(b[0].readBigUInt64BE(8), b);
    const resend: Buffer[][] = [];
    let next = 0;
    let inFlight = 0;
    let busy = 0;
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    const receiver = (async () => {
      while (bySeq.size > 0) {
        let frame: Buffer;
        try {
          [frame] = await this.sock.receive();
        } catch (err) {
          failure = new Error(`no reply from the collector for ${STALL_MS / 1000} s (${bySeq.size} batches unacknowledged): ${(err as Error).message}`);
          break;
        }
        const r = decodeReply(frame);
        const b = bySeq.get(r.seq);
        if (!b) continue;
        inFlight--;
        if (r.type === 'ack') bySeq.delete(r.seq);
        else if (r.reason === 'busy' && ++busy <= MAX_BUSY) resend.push(b);
        else {
          failure = new Error(`batch ${r.seq} NACKed ${r.reason}${r.reason === 'busy' ? ` (${busy} busy NACKs)` : ''}`);
          break;
        }
        wake?.();
      }
      wake?.();
    })();
    while (!failure && bySeq.size > 0) {
      if (inFlight < WINDOW && (resend.length || next < batches.length)) {
        // A busy collector is given a moment before the resend (the queue it refused from drains meanwhile).
        if (resend.length) await new Promise((r) => setTimeout(r, 5));
        const b = resend.length ? resend.shift()! : batches[next++];
        inFlight++;
        await this.sock.send(b);
      } else {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    }
    await receiver;
    if (failure) throw failure;
  }

  async close(): Promise<void> {
    this.sock.close();
  }
}

/** A ZlogClient (default compression: deflate for batches past 4 KiB) encoding and sending each record inside the clock. */
export class ClientSender implements SinkSender<{ records: number; size: number; tag: string }> {
  // A late ACK is not a lost one here: a resend (the default 5 s ACK timeout) stored duplicates and loaded the
  // slow sinks further (128,000 rows for 50,000 records in one session-4 run).
  private readonly client = new ZlogClient({ maxBatchRecords: BATCH_RECORDS, maxInFlightBatches: WINDOW, ackTimeoutMs: 120_000, deliveryTimeoutMs: 120_000 });

  constructor(endpoint: string) {
    this.client.connect(endpoint);
  }

  prepare(records: number, size: number, tag: string): { records: number; size: number; tag: string } {
    return { records, size, tag };
  }

  async send(load: { records: number; size: number; tag: string }): Promise<void> {
    const sends: Promise<void>[] = [];
    for (let i = 0; i < load.records; i++) {
      sends.push(this.client.send(message(i, load.size, load.tag)));
      if (!this.client.writable) await this.client.whenWritable();
    }
    await Promise.all(sends);
  }

  async close(): Promise<void> {
    await this.client.close(5000);
  }
}
