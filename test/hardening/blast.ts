// A native-protocol client that sends every message at once, as a client under load would (the compressed-bomb
// tests: memory-bounds.test.ts, bomb-kinds.test.ts).
import * as zmq from 'zeromq';
import { SEQ_OFFSET } from '../../collector/protocol/header.js';
import { decodeReply } from '../../collector/protocol/reply.js';

/**
 * Sends every message at once on one DEALER, as a client would: a message NACKed `busy` is sent again after a
 * pause, anything else is final. Returns the final reply per message, counted by kind.
 */
export async function blast(endpoint: string, messages: [Buffer, Buffer][], timeoutMs: number): Promise<Record<string, number>> {
  const d = new zmq.Dealer({ sendTimeout: 5000, receiveTimeout: 1000, linger: 0, sendHighWaterMark: 100_000 });
  d.connect(endpoint);
  const bySeq = new Map(messages.map((m) => [m[0].readBigUInt64BE(SEQ_OFFSET), m]));
  const final = new Map<bigint, string>();
  const deadline = Date.now() + timeoutMs;
  try {
    let pending = [...bySeq.keys()];
    while (pending.length && Date.now() < deadline) {
      for (const seq of pending) await d.send(bySeq.get(seq)!);
      const retry: bigint[] = [];
      let answered = 0;
      while (answered < pending.length && Date.now() < deadline) {
        let frame: Buffer;
        try {
          [frame] = await d.receive();
        } catch {
          continue; // receive timeout: keep waiting until the deadline
        }
        answered++;
        const r = decodeReply(frame);
        if (r.type === 'nack' && r.reason === 'busy') retry.push(r.seq);
        else final.set(r.seq, r.type === 'ack' ? 'ack' : `nack:${r.reason ?? r.code}`);
      }
      pending = retry;
      if (pending.length) await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    d.close();
  }
  const counts: Record<string, number> = {};
  for (const k of final.values()) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}
