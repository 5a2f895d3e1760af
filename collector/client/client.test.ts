// ZlogClient against a real ZeroMQ ROUTER on 127.0.0.1 that speaks the protocol through the codec. The server's
// `policy` decides per message what happens: ACK, NACK a reason, or no reply at all. No timing assertions: every
// test is bounded by a timeout and asserts outcomes and counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Dealer, Router } from 'zeromq';
import type { RejectReason } from '../errors.js';
import { checkMessage, encodeMessage, openPayload, sequenceOf } from '../protocol/message.js';
import { decodeReply, encodeAck, encodeNack } from '../protocol/reply.js';
import { ProtocolError } from '../errors.js';
import { DeliveryError, ZlogClient, type ZlogClientOptions } from './client.js';

const limits = { maxMessageBytes: 8 << 20, maxBatchRecords: 100_000, maxDecompressedBytes: 32 << 20, maxRecordBytes: 1 << 20 };

type Decision = 'ack' | 'drop' | RejectReason;
interface Seen {
  seq: bigint;
  /** How many times this seq arrived, this one included. */
  attempt: number;
  records: string[];
  noAck: boolean;
  compression: string;
}

class TestServer {
  router!: Router;
  endpoint = '';
  readonly seen: Seen[] = [];
  private readonly attempts = new Map<bigint, number>();
  policy: (m: Seen) => Decision = () => 'ack';
  private loop: Promise<void> = Promise.resolve();

  async start(endpoint = 'tcp://127.0.0.1:*'): Promise<void> {
    // Rebinding the port of a router just closed can briefly fail; retry a bounded number of times.
    for (let i = 0; ; i++) {
      this.router = new Router({ sendTimeout: 1000, linger: 0 });
      try {
        await this.router.bind(endpoint);
        break;
      } catch (err) {
        this.router.close();
        if (i >= 50) throw err;
        await sleep(50);
      }
    }
    this.endpoint = this.router.lastEndpoint ?? endpoint;
    this.loop = this.serve(this.router);
  }

  async stop(): Promise<void> {
    this.router.close();
    await this.loop;
  }

  uniqueSeqs(): bigint[] {
    return [...new Set(this.seen.map((s) => s.seq))];
  }

  records(): string[] {
    // De-duplicate by seq, as a real server would, keeping arrival order of first copies.
    const first = new Map<bigint, string[]>();
    for (const s of this.seen) if (!first.has(s.seq)) first.set(s.seq, s.records);
    return [...first.values()].flat();
  }

  private async serve(router: Router): Promise<void> {
    try {
      for (;;) {
        const [id, ...frames] = await router.receive();
        let reply: Buffer | null;
        try {
          const { header, payload } = checkMessage(frames, limits);
          const recs = openPayload(header, payload, limits).toArray().map((b) => b.toString());
          const attempt = (this.attempts.get(header.seq) ?? 0) + 1;
          this.attempts.set(header.seq, attempt);
          const m: Seen = { seq: header.seq, attempt, records: recs, noAck: header.noAck, compression: header.compression };
          this.seen.push(m);
          const d = this.policy(m);
          reply = header.noAck || d === 'drop' ? null : d === 'ack' ? encodeAck(header.seq) : encodeNack(header.seq, d, `test says ${d}`);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          reply = encodeNack(sequenceOf(frames), err.reason, err.message);
        }
        if (reply !== null) await router.send([id, reply]);
      }
    } catch {
      // receive() rejects once the router is closed: that ends the loop.
    }
  }
}

async function withServer(
  opts: ZlogClientOptions,
  body: (server: TestServer, client: ZlogClient) => Promise<void>,
): Promise<void> {
  const server = new TestServer();
  await server.start();
  const client = new ZlogClient(opts);
  client.connect(server.endpoint);
  try {
    await body(server, client);
  } finally {
    await client.close(500);
    await server.stop();
  }
}

const T = { timeout: 20_000 };

test('records are batched, compressed when large, delivered in order and acknowledged', T, async () => {
  await withServer({ maxBatchRecords: 500, maxDelayMs: 2 }, async (server, client) => {
    const records = Array.from({ length: 2500 }, (_, i) => `{"i":${i},"msg":"log line number ${i} with some padding text"}`);
    const promises = records.map((r) => client.send(r));
    await client.flush();
    await Promise.all(promises);
    assert.deepEqual(server.records(), records);
    assert.equal(server.uniqueSeqs().length, 5);
    assert.ok(server.seen.every((s) => s.compression === 'deflate'), 'large batches are compressed');
    const st = client.stats;
    assert.equal(st.ackedRecords, 2500);
    assert.equal(st.ackedBatches, 5);
    assert.equal(st.inFlightBatches, 0);
    assert.equal(st.failedBatches, 0);
    assert.equal(client.latency().count, 5);
    // Binary records and a linger-flushed small batch.
    await client.send(Buffer.from([0, 255, 10]));
    assert.deepEqual(server.seen.at(-1)?.records, [Buffer.from([0, 255, 10]).toString()]);
    assert.equal(server.seen.at(-1)?.compression, 'none');
    await assert.rejects(client.send(42 as unknown as string), TypeError);
  });
});

test('NACK busy and draining are retried with backoff until ACKed', T, async () => {
  await withServer({ retryInitialDelayMs: 10, maxBatchRecords: 10 }, async (server, client) => {
    server.policy = (m) => (m.attempt === 1 ? 'busy' : m.attempt === 2 ? 'draining' : 'ack');
    await Promise.all(Array.from({ length: 30 }, (_, i) => client.send(`r${i}`)));
    const st = client.stats;
    assert.equal(st.ackedRecords, 30);
    assert.equal(st.nacked.busy, 3);
    assert.equal(st.nacked.draining, 3);
    assert.equal(st.retries, 6);
    assert.deepEqual(server.records(), Array.from({ length: 30 }, (_, i) => `r${i}`));
  });
});

test('a lost reply times out and the batch is resent with the same seq (at-least-once)', T, async () => {
  await withServer({ ackTimeoutMs: 200 }, async (server, client) => {
    server.policy = (m) => (m.attempt === 1 ? 'drop' : 'ack');
    await client.send('only once');
    const st = client.stats;
    assert.ok(st.ackTimeouts >= 1);
    assert.ok(st.retries >= 1);
    assert.equal(server.seen.length >= 2, true, 'the server saw the duplicate');
    assert.deepEqual(new Set(server.seen.map((s) => s.seq)), new Set([1n]));
    assert.deepEqual(server.records(), ['only once']);
  });
});

test('permanent NACKs reject the send promise with the reason', T, async () => {
  for (const reason of ['too_large', 'malformed', 'version', 'checksum'] as const) {
    await withServer({ retryInitialDelayMs: 5, checksumRetries: 2 }, async (server, client) => {
      server.policy = () => reason;
      await assert.rejects(client.send('x'), (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.reason, reason);
        assert.match(err.message, new RegExp(reason));
        return true;
      });
      assert.equal(client.stats.nacked[reason], reason === 'checksum' ? 3 : 1);
      assert.equal(client.stats.failedRecords, 1);
      await assert.rejects(client.flush(), DeliveryError, 'flush reports the failure since the last flush');
      await client.flush();
    });
  }
});

test('the test server NACKs an unknown version with the versions it speaks, and garbage with seq 0', T, async () => {
  const server = new TestServer();
  await server.start();
  const raw = new Dealer({ sendTimeout: 1000, receiveTimeout: 5000, linger: 0 });
  raw.connect(server.endpoint);
  try {
    const v2 = Buffer.from(encodeMessage(9n, ['x'])[0]);
    v2[2] = 2;
    await raw.send([v2, Buffer.alloc(0)]);
    const [r1] = await raw.receive();
    assert.deepEqual(decodeReply(r1), {
      type: 'nack', seq: 9n, code: 2, reason: 'version', detail: 'unsupported version 2; this server speaks 1',
    });
    await raw.send(Buffer.from('hello'));
    const [r2] = await raw.receive();
    const d = decodeReply(r2);
    assert.ok(d.type === 'nack' && d.seq === 0n && d.reason === 'malformed', JSON.stringify(d, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  } finally {
    raw.close();
    await server.stop();
  }
});

test('the window bounds batches in flight; send waits until ACKs free room', T, async () => {
  await withServer({ maxBatchRecords: 1, maxInFlightBatches: 2, ackTimeoutMs: 300 }, async (server, client) => {
    server.policy = () => 'drop';
    const sends = Array.from({ length: 6 }, (_, i) => client.send(`r${i}`));
    for (let i = 0; i < 100 && server.seen.length < 2; i++) await sleep(20);
    assert.equal(client.stats.inFlightBatches, 2);
    assert.equal(client.writable, false);
    assert.ok(server.seen.length <= 2, 'nothing beyond the window was sent');
    // From now on ACK: the held batches come back after their ack timeout, then the waiting sends go out.
    server.policy = () => 'ack';
    await Promise.all(sends);
    assert.deepEqual(server.records(), Array.from({ length: 6 }, (_, i) => `r${i}`));
    assert.equal(client.stats.ackedBatches, 6);
  });
});

test('30,000 unawaited sends through a window of 4 batches: every record delivered once, in send order', T, async () => {
  // Each waiting send used to wake on every ACK (n waiters x batches wake-ups); they now wait in a chain.
  await withServer({ maxBatchRecords: 100, maxInFlightBatches: 4, maxDelayMs: 1 }, async (server, client) => {
    const n = 30_000;
    const sends = Array.from({ length: n }, (_, i) => client.send(`r${i}`));
    await Promise.all(sends);
    assert.deepEqual(server.records(), Array.from({ length: n }, (_, i) => `r${i}`));
    assert.equal(client.stats.ackedRecords, n);
  });
});

test('noAck batches resolve once sent and carry the flag', T, async () => {
  await withServer({ noAck: true }, async (server, client) => {
    await Promise.all([client.send('a'), client.send('b')]);
    for (let i = 0; i < 100 && server.seen.length < 1; i++) await sleep(20);
    assert.equal(server.seen[0]?.noAck, true);
    assert.deepEqual(server.seen[0]?.records, ['a', 'b']);
  });
});

test('after the server restarts on the same port, unacknowledged batches are resent', T, async () => {
  const server = new TestServer();
  await server.start();
  const endpoint = server.endpoint;
  // A long ack timeout, so only the reconnect path can deliver the batch within the test's time.
  const client = new ZlogClient({ ackTimeoutMs: 60_000 });
  client.connect(endpoint);
  try {
    server.policy = () => 'drop';
    const p = client.send('survives a restart');
    for (let i = 0; i < 100 && server.seen.length < 1; i++) await sleep(20);
    assert.equal(server.seen.length, 1);
    await server.stop();
    const second = new TestServer();
    await second.start(endpoint);
    try {
      await p;
      assert.deepEqual(second.records(), ['survives a restart']);
      assert.equal(second.seen[0]?.seq, 1n);
      const st = client.stats;
      assert.ok(st.reconnects >= 1);
      assert.ok(st.resentAfterReconnect >= 1);
    } finally {
      await client.close(500);
      await second.stop();
    }
  } finally {
    await client.close(0);
  }
});

test('with no server at all, sends fail with timeout after the delivery timeout', T, async () => {
  const client = new ZlogClient({ ackTimeoutMs: 100, deliveryTimeoutMs: 400, sendTimeoutMs: 100 });
  // A port that was just free: nothing listens there.
  const probe = new TestServer();
  await probe.start();
  const endpoint = probe.endpoint;
  await probe.stop();
  client.connect(endpoint);
  try {
    await assert.rejects(client.send('nobody home'), (err: unknown) => err instanceof DeliveryError && err.reason === 'timeout');
    assert.equal(client.stats.failedBatches, 1);
  } finally {
    await client.close(0);
  }
});

test('close fails what is still outstanding with reason closed', T, async () => {
  await withServer({ ackTimeoutMs: 60_000 }, async (server, client) => {
    server.policy = () => 'drop';
    const p = client.send('never acked');
    await client.close(100);
    await assert.rejects(p, (err: unknown) => err instanceof DeliveryError && err.reason === 'closed');
    await assert.rejects(client.send('late'), (err: unknown) => err instanceof DeliveryError && err.reason === 'closed');
  });
});

test('under random busy NACKs and lost replies every record is delivered at least once', T, async () => {
  await withServer(
    { maxBatchRecords: 50, maxInFlightBatches: 8, ackTimeoutMs: 100, retryInitialDelayMs: 5, retryMaxDelayMs: 50 },
    async (server, client) => {
      let x = 12345;
      const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
      server.policy = () => {
        const r = rand();
        return r < 0.15 ? 'busy' : r < 0.25 ? 'drop' : 'ack';
      };
      const records = Array.from({ length: 5000 }, (_, i) => `chaos ${i}`);
      const sends: Promise<void>[] = [];
      for (const r of records) {
        if (!client.writable) await client.whenWritable();
        sends.push(client.send(r));
      }
      await client.flush();
      await Promise.all(sends);
      assert.deepEqual(new Set(server.records()), new Set(records));
      const st = client.stats;
      assert.equal(st.ackedRecords, 5000);
      assert.equal(st.failedBatches, 0);
      assert.ok(st.nacked.busy > 0 && st.ackTimeouts > 0 && st.retries > 0);
      assert.equal(st.inFlightBatches, 0);
    },
  );
});
