// The native receive addon against real zeromq.js peers: chunk layout (read back with the pipeline's own
// readChunk), multi-frame messages, the per-message limit, SUB topics, back-pressure through lent buffers and
// pause(), and the drain. Fails (does not skip) when the addon is not built: `make native` builds it.
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dealer, Publisher, Push } from 'zeromq';
import { encodeMessage } from '../../protocol/message.js';
import { FLAG_ACKED, FLAG_CRC_CHECKED, FLAG_JSON_PLAIN, readChunk, type PackedMessage } from '../../pipeline/chunk.js';
import { decodeReply } from '../../protocol/reply.js';
import { loadNativeReceive, unlent, type LendableBuffer, type NativeReceiver, type NativeReceiverOptions, type OnChunk } from './native-receive.js';

const addon = loadNativeReceive();
if (addon instanceof Error) throw new Error(`native receive addon not loadable (run make native): ${addon.message}`);
const native = addon;

function collect(opts: { type: 'pull' | 'sub'; subscribe?: string[]; maxMessageBytes?: number }): {
  r: NativeReceiver;
  msgs: PackedMessage[];
  drained: Promise<void>;
  returned: LendableBuffer[];
  autoLend: { on: boolean };
} {
  const msgs: PackedMessage[] = [];
  const returned: LendableBuffer[] = [];
  const autoLend = { on: true };
  let onDrained!: () => void;
  const drained = new Promise<void>((res) => (onDrained = res));
  const cb: OnChunk = (buf, len, messages, frames, _bytes, isDrained) => {
    if (buf) assert.ok(frames >= messages, 'every message has at least one frame');
    if (buf) {
      const got = [...readChunk(unlent(buf), len)].map((m) => ({ ...m, frames: m.frames.map((f) => Uint8Array.from(f)) }));
      assert.equal(got.length, messages, 'message count reported == messages in the chunk');
      msgs.push(...got);
      if (autoLend.on && !isDrained) r.lend(buf);
      else returned.push(buf);
    }
    if (isDrained) onDrained();
  };
  const r = new native.Receiver(
    { type: opts.type, subscribe: opts.subscribe, inputIndex: 7, receiveHighWaterMark: 1000, maxFrameBytes: 1 << 20, maxMessageBytes: opts.maxMessageBytes ?? 1 << 20 },
    cb,
  );
  return { r, msgs, drained, returned, autoLend };
}

/**
 * A started native ROUTER receiver on a random loopback port with three 64 KiB buffers lent; every chunk it hands
 * over is read into `msgs` (frames copied out) and a 64 KiB buffer lent back.
 */
function router(options: Partial<NativeReceiverOptions> = {}): { r: NativeReceiver; msgs: PackedMessage[]; ep: string } {
  const msgs: PackedMessage[] = [];
  const r: NativeReceiver = new native.Receiver({ type: 'router', inputIndex: 0, receiveHighWaterMark: 1000, maxFrameBytes: 1 << 20, maxMessageBytes: 1 << 20, ...options }, (buf, len) => {
    if (!buf) return;
    msgs.push(...[...readChunk(unlent(buf), len)].map((m) => ({ ...m, frames: m.frames.map((f) => Uint8Array.from(f)) })));
    r.lend(buf.byteLength === 1 << 16 ? buf : new ArrayBuffer(1 << 16));
  });
  const ep = r.bind('tcp://127.0.0.1:*');
  for (let i = 0; i < 3; i++) r.lend(new ArrayBuffer(1 << 16));
  r.start();
  return { r, msgs, ep };
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const text = (f: Uint8Array): string => Buffer.from(f).toString();

test('reclaim(keep): gives back the unused lent buffers (the objects lent, oldest first) down to keep; the thread receives with what it kept', async () => {
  const { r, msgs } = collect({ type: 'pull' });
  const ep = r.bind('tcp://127.0.0.1:*');
  const lent = [new ArrayBuffer(4096), new ArrayBuffer(4096), new ArrayBuffer(4096)];
  for (const b of lent) r.lend(b);
  r.start();
  assert.throws(() => r.reclaim(-1), /reclaim\(keep\)/);
  const back = r.reclaim(1);
  assert.equal(back.length, 2, 'all but one of the three idle buffers');
  assert.ok(back[0] === lent[0] && back[1] === lent[1], 'the objects lent, oldest first');
  assert.deepEqual(r.reclaim(1), [], 'one left: nothing more to give back');
  const push = new Push({ linger: 0 });
  push.connect(ep);
  try {
    for (let i = 0; i < 10; i++) await push.send(`after-reclaim-${i}`);
    // The kept buffer takes the messages; each delivery hands it back (collect lends it again).
    await until(() => msgs.length === 10, '10 messages after reclaim');
    assert.deepEqual(msgs.map((m) => text(m.frames[0])), Array.from({ length: 10 }, (_, i) => `after-reclaim-${i}`));
  } finally {
    push.close();
    r.close();
  }
});

test('PULL: every message arrives once, in order, in the chunk layout, with multi-frame messages kept whole', async () => {
  const { r, msgs } = collect({ type: 'pull' });
  const ep = r.bind('tcp://127.0.0.1:*');
  assert.match(ep, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  for (let i = 0; i < 3; i++) r.lend(new ArrayBuffer(4096));
  r.start();
  const push = new Push({ linger: 0 });
  push.connect(ep);
  const n = 5000;
  for (let i = 0; i < n; i++) await push.send(i % 100 === 0 ? [`m${i}`, 'second', ''] : `m${i}`);
  await until(() => msgs.length === n, `${n} messages`);
  const t0 = Date.now();
  msgs.forEach((m, i) => {
    assert.equal(m.kind, 0);
    assert.equal(m.input, 7);
    assert.equal(text(m.frames[0]), `m${i}`);
    assert.ok(m.receivedAt > t0 - 60_000 && m.receivedAt <= Date.now());
    if (i % 100 === 0) assert.deepEqual(m.frames.map(text), [`m${i}`, 'second', '']);
    else assert.equal(m.frames.length, 1);
  });
  assert.equal(r.stats().messages, n);
  push.close();
  r.close();
});

test('a message above maxMessageBytes is counted and dropped; its neighbours arrive', async () => {
  const { r, msgs } = collect({ type: 'pull', maxMessageBytes: 1000 });
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(64 * 1024));
  r.start();
  const push = new Push({ linger: 0 });
  push.connect(ep);
  await push.send('before');
  await push.send([Buffer.alloc(600), Buffer.alloc(600)]); // each frame is small, the message is not
  await push.send('after');
  await until(() => msgs.length === 2, 'two messages');
  assert.deepEqual(msgs.map((m) => text(m.frames[0])), ['before', 'after']);
  assert.equal(r.stats().oversize, 1);
  push.close();
  r.close();
});

test('a message bigger than every lent buffer arrives in a buffer of its own', async () => {
  const { r, msgs } = collect({ type: 'pull' });
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(256));
  r.start();
  const push = new Push({ linger: 0 });
  push.connect(ep);
  const big = Buffer.alloc(10_000, 'b');
  await push.send('small');
  await push.send(big);
  await push.send('small2');
  await until(() => msgs.length === 3, 'three messages');
  assert.deepEqual(msgs.map((m) => m.frames[0].byteLength), [5, 10_000, 6]);
  push.close();
  r.close();
});

test('a Uint8Array over a SharedArrayBuffer (a pool slot) is filled and comes back as itself; one a bigger message used up comes back as spent', async () => {
  const lent: Uint8Array[] = [new Uint8Array(new SharedArrayBuffer(512)), new Uint8Array(new SharedArrayBuffer(512), 0, 512)];
  const deliveries: { buf: LendableBuffer | null; messages: number; spent?: LendableBuffer }[] = [];
  const got: string[] = [];
  const r = new native.Receiver({ type: 'pull', inputIndex: 0, receiveHighWaterMark: 1000, maxFrameBytes: 1 << 20, maxMessageBytes: 1 << 20 }, (buf, len, messages, _records, _bytes, _drained, spent) => {
    deliveries.push({ buf, messages, spent });
    if (buf) for (const m of readChunk(unlent(buf), len)) got.push(Buffer.from(m.frames[0]).toString());
    // Lend back whatever came home, so reading goes on.
    if (buf && !(buf instanceof ArrayBuffer)) r.lend(buf);
    if (spent) r.lend(spent);
  });
  assert.throws(() => r.lend(new Uint16Array(4) as unknown as Uint8Array), /ArrayBuffer \| Uint8Array/);
  const ep = r.bind('tcp://127.0.0.1:*');
  for (const b of lent) r.lend(b);
  r.start();
  const push = new Push({ linger: 0 });
  push.connect(ep);
  const big = 'B'.repeat(5000);
  await push.send('one');
  await until(() => got.length === 1, 'the first message');
  await push.send(big);
  await push.send('two');
  await until(() => got.length === 3, 'three messages');
  assert.deepEqual(got, ['one', big, 'two']);
  const filled = deliveries.filter((d) => d.buf && !(d.buf instanceof ArrayBuffer));
  assert.ok(filled.length >= 2 && filled.every((d) => lent.includes(d.buf as Uint8Array)), 'small messages came in the very Uint8Arrays lent');
  const own = deliveries.filter((d) => d.buf instanceof ArrayBuffer);
  assert.equal(own.length, 1, 'the big message came in a buffer of its own');
  assert.ok(own[0].spent && lent.includes(own[0].spent as Uint8Array), 'with the shared buffer it used up, unfilled, as spent');
  push.close();
  r.close();
});

test('no lent buffer means no reading: nothing is lost, everything arrives once buffers come back', async () => {
  const { r, msgs, returned, autoLend } = collect({ type: 'pull' });
  autoLend.on = false;
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(1024));
  r.start();
  const push = new Push({ linger: 0, sendTimeout: 10_000 });
  push.connect(ep);
  const n = 2000;
  const sending = (async () => {
    for (let i = 0; i < n; i++) await push.send(`x${i}`);
  })();
  await until(() => r.stats().waitsForBuffer > 0, 'the thread to wait for a buffer');
  const seen = msgs.length;
  assert.ok(seen < n, 'reading stopped without buffers');
  autoLend.on = true;
  for (const b of returned.splice(0)) r.lend(b);
  await sending;
  await until(() => msgs.length === n, `${n} messages`);
  assert.deepEqual(msgs.map((m) => text(m.frames[0])), Array.from({ length: n }, (_, i) => `x${i}`));
  push.close();
  r.close();
});

test('PULL/SUB read up to 64 KiB per read(2), never more than maxMessageBytes; messages across those reads arrive byte for byte', async () => {
  const opts = (type: 'pull' | 'sub' | 'router', maxMessageBytes: number) => ({ type, inputIndex: 0, receiveHighWaterMark: 1000, maxFrameBytes: 1 << 20, maxMessageBytes });
  const batch = (type: 'pull' | 'sub' | 'router', maxMessageBytes: number): number => {
    const r = new native.Receiver(opts(type, maxMessageBytes), () => {});
    const n = r.readBatchBytes();
    r.close();
    return n;
  };
  assert.equal(batch('pull', 1 << 20), 64 * 1024);
  assert.equal(batch('sub', 1 << 20), 64 * 1024);
  assert.equal(batch('pull', 20_000), 20_000, 'a zero-copy read buffer no larger than the largest message (RCVHWM budget)');
  assert.equal(batch('pull', 4096), 8192, "libzmq's own default below that");
  assert.equal(batch('router', 1 << 20), 8192, 'ROUTER unchanged');

  // A backlog first (no buffer lent: libzmq's queue and the kernel's fill), so reads take whole 64 KiB batches,
  // with messages from 1 byte to more than two batches crossing their ends.
  const { r, msgs, returned, autoLend } = collect({ type: 'pull' });
  autoLend.on = false;
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(256 * 1024));
  r.start();
  const push = new Push({ linger: 0, sendTimeout: 20_000 });
  push.connect(ep);
  const n = 1500;
  const sizes = Array.from({ length: n }, (_, i) => (i % 50 === 49 ? 100_000 + i * 37 : 1 + ((i * 7919) % 3000)));
  const body = (i: number) => Buffer.alloc(sizes[i], i % 251);
  const sending = (async () => {
    for (let i = 0; i < n; i++) await push.send(body(i));
  })();
  await until(() => r.stats().waitsForBuffer > 0, 'the thread to wait for a buffer');
  await new Promise((res) => setTimeout(res, 200));
  autoLend.on = true;
  for (const b of returned.splice(0)) r.lend(b);
  r.lend(new ArrayBuffer(256 * 1024));
  await sending;
  await until(() => msgs.length === n, `${n} messages`);
  msgs.forEach((m, i) => assert.ok(Buffer.from(m.frames[0]).equals(body(i)), `message ${i} (${sizes[i]} bytes) arrived as sent`));
  push.close();
  r.close();
});

test('pause() stops reading and resume() continues without loss', async () => {
  const { r, msgs } = collect({ type: 'pull' });
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(64 * 1024));
  r.start();
  const push = new Push({ linger: 0 });
  push.connect(ep);
  await push.send('one');
  await until(() => msgs.length === 1, 'first message');
  r.pause();
  await new Promise((res) => setTimeout(res, 250)); // the thread sees the flag before its next burst
  for (let i = 0; i < 10; i++) await push.send(`p${i}`);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(msgs.length, 1, 'nothing read while paused');
  r.resume();
  await until(() => msgs.length === 11, 'the messages sent while paused');
  push.close();
  r.close();
});

test('SUB: only subscribed topics arrive; topic and body frames stay one message', async () => {
  const { r, msgs } = collect({ type: 'sub', subscribe: ['app.'] });
  const pub = new Publisher({ linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  r.connect(pub.lastEndpoint!);
  r.lend(new ArrayBuffer(64 * 1024));
  r.start();
  // PUB drops until the subscription has arrived: send until something is seen.
  for (let i = 0; msgs.length === 0 && i < 400; i++) {
    await pub.send(['other', 'no']);
    await pub.send(['app.web', `hello ${i}`]);
    await new Promise((res) => setTimeout(res, 10));
  }
  await until(() => msgs.length > 0, 'a subscribed message');
  for (const m of msgs) {
    assert.equal(text(m.frames[0]), 'app.web');
    assert.match(text(m.frames[1]), /^hello \d+$/);
  }
  pub.close();
  r.close();
});

test('stopAccepting reads what is queued, closes the socket and delivers drained', async () => {
  const { r, msgs, drained } = collect({ type: 'pull' });
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(64 * 1024));
  r.pause(); // let messages queue in the socket
  r.start();
  const push = new Push({ linger: 0 });
  push.connect(ep);
  for (let i = 0; i < 500; i++) await push.send(`q${i}`);
  await new Promise((res) => setTimeout(res, 200));
  r.stopAccepting(100, false);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(msgs.length, 0, 'a pause (full queue) still holds reading back during the drain');
  r.resume();
  await drained;
  assert.equal(msgs.length, 500, 'every queued message was read before the close');
  push.close();
  r.close();
});

test('a message that waited for a buffer is handed over as soon as one comes back, with nothing after it', async () => {
  const { r, msgs } = collect({ type: 'pull' });
  const ep = r.bind('tcp://127.0.0.1:*');
  r.start(); // no buffer lent yet
  const push = new Push({ linger: 1000 });
  push.connect(ep);
  await push.send('lonely');
  await until(() => r.stats().waitsForBuffer > 0, 'the thread to hold the message for a buffer');
  r.lend(new ArrayBuffer(4096));
  await until(() => msgs.length === 1, 'the held message');
  assert.equal(text(msgs[0].frames[0]), 'lonely');
  push.close();
  r.close();
});

test('the socket monitor counts peers accepted and gone (bind) and connections made (connect)', async () => {
  const { r, msgs } = collect({ type: 'pull' });
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(4096));
  r.start();
  const a = new Push({ linger: 1000 });
  const b = new Push({ linger: 1000 });
  a.connect(ep);
  b.connect(ep);
  await a.send('from a');
  await b.send('from b');
  await until(() => msgs.length === 2 && r.stats().accepted === 2, 'two peers accepted');
  a.close();
  await until(() => r.stats().disconnected === 1, 'one peer gone');
  assert.equal(r.stats().handshakeFailed, 0);
  b.close();
  r.close();

  const sub = collect({ type: 'sub', subscribe: [''] });
  const pub = new Publisher({ linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  sub.r.connect(pub.lastEndpoint!);
  sub.r.start();
  await until(() => sub.r.stats().connected === 1, 'the SUB socket connected to its publisher');
  pub.close();
  sub.r.close();
});

test('messages bigger than a lent buffer still wait for lent buffers: deliveries in flight stay bounded', async () => {
  const { r, msgs, returned, autoLend } = collect({ type: 'pull' });
  autoLend.on = false;
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(256));
  r.start();
  const push = new Push({ linger: 1000, sendTimeout: 10_000 });
  push.connect(ep);
  const n = 20;
  for (let i = 0; i < n; i++) await push.send(Buffer.alloc(10_000, i));
  await until(() => msgs.length === 1 && r.stats().waitsForBuffer > 0, 'one message, then the thread waiting for a buffer');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(msgs.length, 1, 'one lent buffer pays for exactly one big message');
  for (let lent = 1; msgs.length < n && lent < 10 * n; lent++) {
    r.lend(new ArrayBuffer(256));
    const had: number = msgs.length;
    await until(() => msgs.length > had, "the next big message");
    assert.equal(msgs.length, had + 1, "one more buffer, one more message");
  }
  assert.deepEqual(msgs.map((m) => m.frames[0][0]), Array.from({ length: n }, (_, i) => i));
  push.close();
  r.close();
});

test('FLAG_JSON_PLAIN is set exactly when every frame is valid UTF-8 with no byte JSON must escape', async () => {
  const { r, msgs } = collect({ type: 'pull' });
  const ep = r.bind('tcp://127.0.0.1:*');
  for (let i = 0; i < 3; i++) r.lend(new ArrayBuffer(1 << 16));
  r.start();
  const push = new Push({ linger: 0 });
  push.connect(ep);
  const plain = Buffer.from('x'.repeat(40) + ' ~!#$%&()*+,-./09:;<=>?@AZ[]^_`az{|}\x7f', 'latin1');
  const bytes = (...b: number[]) => Buffer.from(b);
  // [frames, expected flag]: each byte sequence at the start, across the 16-byte blocks, and in the tail.
  const cases: [Buffer[], boolean][] = [[[plain], true], [[Buffer.alloc(0)], true], [[plain, plain.subarray(3)], true]];
  const inserted = (seq: Buffer, ok: boolean): void => {
    for (const at of [0, 14, 15, 16, 31, plain.length - 1, plain.length]) cases.push([[Buffer.concat([plain.subarray(0, at), seq, plain.subarray(at)])], ok]);
    cases.push([[plain, seq], ok]);
  };
  // Must be escaped: '"', '\\', LF, NUL, 0x1f.
  for (const seq of ['"', '\\', '\n', '\x00', '\x1f']) inserted(Buffer.from(seq, 'latin1'), false);
  // Valid UTF-8 (RFC 3629): U+0080, é, U+07FF, U+0800, €, U+D7FF, U+E000, U+FFFF, U+10000, 𝄞, U+10FFFF.
  for (const ch of ['\u0080', 'é', '\u07ff', '\u0800', '€', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '𝄞', '\u{10ffff}']) inserted(Buffer.from(ch, 'utf8'), true);
  // Not UTF-8: a lone continuation byte, a truncated sequence, overlong forms, a surrogate, above U+10FFFF,
  // bytes that never occur.
  for (const seq of [bytes(0x80), bytes(0xbf), bytes(0xc3), bytes(0xe2, 0x82), bytes(0xc0, 0xaf), bytes(0xc1, 0xbf), bytes(0xe0, 0x9f, 0xbf), bytes(0xf0, 0x8f, 0xbf, 0xbf), bytes(0xed, 0xa0, 0x80), bytes(0xf4, 0x90, 0x80, 0x80), bytes(0xf5, 0x80, 0x80, 0x80), bytes(0xff), bytes(0xc3, 0x28)]) inserted(seq, false);
  for (const [frames] of cases) await push.send(frames);
  await until(() => msgs.length === cases.length, `${cases.length} messages`);
  msgs.forEach((m, i) => {
    assert.equal(m.flags === FLAG_JSON_PLAIN, cases[i][1], `message ${i}: ${JSON.stringify(cases[i][0].map((f) => f.toString('hex')))}`);
    // The flag agrees with what the worker would check itself.
    if (cases[i][1]) assert.ok(cases[i][0].every((f) => isUtf8(f)));
  });
  push.close();
  r.close();
});

test('ROUTER: FLAG_JSON_PLAIN is set exactly when every record of an uncompressed native payload needs no escaping', async () => {
  const { r, msgs, ep } = router({ inputIndex: 2 });
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(ep);
  const plain = ['x'.repeat(40), 'é€𝄞 ~!#$%&()*+,-./09:;<=>?@AZ[]^_`az{|}', ''];
  const truncatedLength = encodeMessage(4n, plain, { compression: 'none' });
  truncatedLength[1] = truncatedLength[1].subarray(0, truncatedLength[1].length - 1);
  const tooLong = encodeMessage(5n, plain, { compression: 'none' });
  tooLong[1].writeUInt32BE(1000, 0);
  const notZl = encodeMessage(6n, plain, { compression: 'none' });
  notZl[0] = Buffer.from(notZl[0]);
  notZl[0][0] = 0x41;
  // [frames, expected flag]
  const cases: [Buffer[], boolean][] = [
    [encodeMessage(1n, plain, { compression: 'none' }), true],
    [encodeMessage(2n, [...plain, 'a "quoted" word'], { compression: 'none' }), false],
    [encodeMessage(3n, ['line\n'], { compression: 'none' }), false],
    [encodeMessage(7n, [Buffer.from([0x61, 0xc3, 0x28])], { compression: 'none' }), false],
    // Compressed: the thread does not inflate it, so the worker checks the records itself.
    [encodeMessage(8n, plain, { compression: 'deflate' }), false],
    [truncatedLength, false],
    [tooLong, false],
    [notZl, false],
    [[Buffer.from('one frame')], false],
  ];
  for (const [frames] of cases) await dealer.send(frames);
  await until(() => msgs.length === cases.length, `${cases.length} messages`);
  msgs.forEach((m, i) => assert.equal((m.flags ?? 0) & FLAG_JSON_PLAIN, cases[i][1] ? FLAG_JSON_PLAIN : 0, `message ${i}`));
  dealer.close();
  r.close();
});

test('ROUTER: a reply goes only to the connection its message came on; a later connection with the same routing id never gets it', async () => {
  const { r, msgs, ep } = router();
  const received: string[] = [];
  const listen = async (d: Dealer) => {
    try {
      for (;;) received.push(Buffer.from((await d.receive())[0]).toString());
    } catch {
      // closed
    }
  };
  const first = new Dealer({ linger: 0, routingId: 'web-1' });
  first.connect(ep);
  await first.send('from the first connection');
  await until(() => msgs.length === 1, 'the first message');
  const [a] = msgs;
  assert.equal(typeof a.connection, 'number', 'a ROUTER delivery names its connection');
  // The first connection ends before its reply is sent; another takes the routing id.
  first.close();
  await until(() => r.stats().disconnected === 1, 'the first connection ended');
  const second = new Dealer({ linger: 0, routingId: 'web-1' });
  second.connect(ep);
  void listen(second);
  await second.send('from the second connection');
  await until(() => msgs.length === 2, 'the second message');
  const b = msgs[1];
  assert.notEqual(b.connection, a.connection);
  assert.equal(Buffer.from(b.frames[0]).toString(), 'web-1');
  // The late reply for the first connection is dropped and counted; the second connection's own reply arrives.
  assert.ok(r.send([Buffer.from('web-1'), Buffer.from('late reply for the first')], a.connection));
  assert.ok(r.send([Buffer.from('web-1'), Buffer.from('reply for the second')], b.connection));
  await until(() => received.length === 1, "the second connection's reply");
  await until(() => r.stats().repliesToEndedConnections === 1, 'the late reply counted');
  // Without a connection, a reply goes to whoever holds the id (what zeromq.js does too).
  assert.ok(r.send([Buffer.from('web-1'), Buffer.from('by routing id')]));
  await until(() => received.length === 2, 'the reply by routing id');
  assert.deepEqual(received, ['reply for the second', 'by routing id']);
  assert.equal(r.stats().repliesSent, 2);
  assert.throws(() => r.send([Buffer.from('web-1'), Buffer.from('x')], -1), /connection is not a number a delivery gave/);
  second.close();
  r.close();
});

test('ROUTER ackAtReceipt: the thread acknowledges a good uncompressed batch itself only within the granted budget; revokeAcks returns the rest', async () => {
  const { r, msgs, ep } = router({ ackAtReceipt: { maxMessageBytes: 1 << 20, maxBatchRecords: 1000, maxDecompressedBytes: 1 << 20 } });
  const dealer = new Dealer({ linger: 0, routingId: 'acker' });
  dealer.connect(ep);
  const replies: bigint[] = [];
  void (async () => {
    try {
      for (;;) replies.push(decodeReply((await dealer.receive())[0]).seq);
    } catch {
      // closed
    }
  })();
  const batch = (seq: number) => encodeMessage(seq, ['one', 'two', 'three'], { compression: 'none' });
  const charge = (seq: number) => batch(seq).reduce((n, f) => n + f.length, 0);
  // No budget yet: delivered unacknowledged (the input answers it).
  await dealer.send(batch(1));
  await until(() => msgs.length === 1, 'batch 1');
  assert.equal((msgs[0].flags ?? 0) & FLAG_ACKED, 0);
  // Budget for exactly one batch: the next is acknowledged by the thread, the one after is not.
  r.grantAcks(3, charge(2));
  await dealer.send(batch(2));
  await until(() => replies.length === 1, 'the ACK of batch 2');
  assert.deepEqual(replies, [2n]);
  await dealer.send(batch(3));
  await until(() => msgs.length === 3, 'batches 2 and 3');
  assert.equal((msgs[1].flags ?? 0) & FLAG_ACKED, FLAG_ACKED);
  assert.ok(msgs[1].recordCount < 1_000_000, `µs from receipt to ACK: ${msgs[1].recordCount}`);
  assert.equal((msgs[2].flags ?? 0) & FLAG_ACKED, 0, 'past the budget');
  // A good batch that wants no reply, a compressed one and one with a bad CRC-32 are left to the input even with budget.
  r.grantAcks(100, 100_000);
  await dealer.send(encodeMessage(4, ['quiet'], { compression: 'none', noAck: true }));
  await dealer.send(encodeMessage(5, ['zipped'.repeat(100)], { compression: 'gzip' }));
  const [h, p] = batch(6);
  await dealer.send([h, Buffer.concat([p.subarray(0, -1), Buffer.from('!')])]);
  await dealer.send(batch(7));
  await until(() => msgs.length === 7, 'batches 4-7');
  assert.deepEqual(msgs.slice(3).map((m) => ((m.flags ?? 0) & FLAG_ACKED) !== 0), [false, false, false, true]);
  await until(() => replies.length === 2, 'the ACK of batch 7');
  assert.deepEqual(replies, [2n, 7n]);
  assert.deepEqual(r.revokeAcks(), [100 - 3, 100_000 - charge(7)]);
  assert.deepEqual(r.revokeAcks(), [0, 0]);
  assert.equal(r.stats().threadAcks, 2);
  dealer.close();
  r.close();
});

test('crc32 (the receive thread\'s CRC-32) equals zlib.crc32 at every length to 400 bytes, every alignment, and for large buffers', () => {
  const bytes = randomBytes((1 << 20) + 64);
  for (let offset = 0; offset < 17; offset++) {
    for (let n = 0; n <= 400; n++) {
      const b = bytes.subarray(offset, offset + n);
      assert.equal(native.crc32(b), crc32(b), `offset ${offset}, length ${n}`);
    }
  }
  for (const n of [1000, 4096, 65_535, 1_028_028, 1 << 20]) {
    const b = bytes.subarray(5, 5 + n);
    assert.equal(native.crc32(b), crc32(b), `length ${n}`);
  }
  assert.equal(native.crc32(Buffer.alloc(1 << 16, 0xff)), crc32(Buffer.alloc(1 << 16, 0xff)));
  assert.throws(() => native.crc32(new Uint16Array(4) as unknown as Uint8Array), /crc32\(Uint8Array\)/);
});

test('ROUTER: FLAG_CRC_CHECKED is set exactly when the payload\'s CRC-32 equals the one its protocol header declares', async () => {
  const { r, msgs, ep } = router({ inputIndex: 2, maxFrameBytes: 1 << 22, maxMessageBytes: 1 << 22 });
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(ep);
  const records = ['x'.repeat(40), 'é€𝄞', '', 'a "quoted" word\n'];
  const flipped = encodeMessage(3n, records, { compression: 'none' });
  flipped[1] = Buffer.from(flipped[1]);
  flipped[1][flipped[1].length - 1] ^= 1;
  const wrongHeader = encodeMessage(4n, records, { compression: 'none' });
  wrongHeader[0] = Buffer.from(wrongHeader[0]);
  wrongHeader[0].writeUInt32BE((wrongHeader[0].readUInt32BE(20) ^ 0x8000_0000) >>> 0, 20);
  const notZl = encodeMessage(5n, records, { compression: 'none' });
  notZl[0] = Buffer.from(notZl[0]);
  notZl[0][1] = 0x41;
  const shortHeader = encodeMessage(6n, records, { compression: 'none' });
  shortHeader[0] = shortHeader[0].subarray(0, 27);
  // [frames, expected flag]
  const cases: [Buffer[], boolean][] = [
    [encodeMessage(1n, records, { compression: 'none' }), true],
    // The CRC covers the payload as sent: compressed bytes for a compressed one.
    [encodeMessage(2n, records.concat('y'.repeat(5000)), { compression: 'deflate' }), true],
    // Bigger than a lent buffer: delivered in a buffer of its own, still checked.
    [encodeMessage(7n, Array.from({ length: 300 }, (_, i) => `${i} `.padEnd(1000, 'z')), { compression: 'none' }), true],
    [encodeMessage(8n, [], { compression: 'none' }), true],
    [flipped, false],
    [wrongHeader, false],
    [notZl, false],
    [shortHeader, false],
    [[Buffer.from('one frame')], false],
  ];
  for (const [frames] of cases) await dealer.send(frames);
  await until(() => msgs.length === cases.length, `${cases.length} messages`);
  msgs.forEach((m, i) => assert.equal((m.flags ?? 0) & FLAG_CRC_CHECKED, cases[i][1] ? FLAG_CRC_CHECKED : 0, `message ${i}`));
  dealer.close();
  r.close();
});
