// The per-message limits of the addon's libzmq (native/libzmq/zlog-message-limits.patch, built by
// scripts/build-libzmq.sh) against real zeromq.js PUSH peers: a message whose frames sum above
// maxHeldMessageBytes, or number more than maxHeldMessageFrames, ends its connection and is counted by reason;
// the sender's next messages (on its reconnection) and messages at the limits arrive. Fails (does not skip)
// when the addon is not built: `make native` builds it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Push } from 'zeromq';
import { readChunk } from '../../pipeline/chunk.js';
import { loadNativeReceive, unlent, type NativeReceiver } from './native-receive.js';

const addon = loadNativeReceive();
if (addon instanceof Error) throw new Error(`native receive addon not loadable (run make native): ${addon.message}`);
const native = addon;

function receiver(maxHeldMessageBytes: number, maxHeldMessageFrames: number): { r: NativeReceiver; firsts: string[]; frames: number[] } {
  const firsts: string[] = [];
  const frames: number[] = [];
  const r: NativeReceiver = new native.Receiver(
    { type: 'pull', inputIndex: 0, receiveHighWaterMark: 100, maxFrameBytes: 1 << 20, maxMessageBytes: 1 << 24, maxHeldMessageBytes, maxHeldMessageFrames },
    (buf, len, _messages, _records, _bytes, drained) => {
      if (!buf) return;
      for (const m of readChunk(unlent(buf), len)) {
        firsts.push(Buffer.from(m.frames[0]).toString());
        frames.push(m.frames.length);
      }
      if (!drained) r.lend(buf);
    },
  );
  return { r, firsts, frames };
}

/**
 * Sends `text` every 200 ms until it arrives. A PUSH socket may hand a message to the connection the receiver
 * is ending (it has not seen the close yet); that message goes with the connection, by PUSH semantics. A CI run
 * under load lost the single 'after' that way. What must hold is that the sender's messages on its new
 * connection arrive.
 */
async function sendUntilArrived(push: Push, firsts: string[], text: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!firsts.includes(text)) {
    if (Date.now() > end) throw new Error(`timed out waiting for '${text}' after the reconnect`);
    await push.send(text);
    await until(() => firsts.includes(text), text, 200).catch(() => undefined);
  }
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('frames summing above maxHeldMessageBytes end the connection (messageTooLarge); a message of exactly the limit arrives', async () => {
  const { r, firsts } = receiver(100_000, -1);
  const ep = r.bind('tcp://127.0.0.1:*');
  for (let i = 0; i < 3; i++) r.lend(new ArrayBuffer(256 * 1024));
  r.start();
  const push = new Push({ linger: 0, reconnectInterval: 50 });
  push.connect(ep);
  const at = [Buffer.from('at-limit'), Buffer.alloc(100_000 - 'at-limit'.length, 1)];
  await push.send(at);
  await until(() => firsts.includes('at-limit'), 'the message of exactly 100,000 bytes');
  // Every frame is under the per-frame limit (1 MiB); the sum is not.
  await push.send([Buffer.from('over'), ...Array.from({ length: 20 }, () => Buffer.alloc(10_000, 2))]);
  await until(() => r.stats().messageTooLarge === 1, 'messageTooLarge');
  assert.equal(r.stats().frameTooLarge, 0);
  assert.equal(r.stats().protocolDrops, 0, 'a size-limit drop is counted once, not also as a protocol drop');
  assert.equal(r.stats().tooManyFrames, 0);
  // The sender reconnects; what it sends next arrives.
  await sendUntilArrived(push, firsts, 'after');
  assert.ok(!firsts.includes('over'));
  assert.ok(r.stats().disconnected >= 1);
  push.close();
  r.close();
});

test('more frames than maxHeldMessageFrames end the connection (tooManyFrames); exactly that many arrive', async () => {
  const { r, firsts, frames } = receiver(-1, 50);
  const ep = r.bind('tcp://127.0.0.1:*');
  for (let i = 0; i < 3; i++) r.lend(new ArrayBuffer(64 * 1024));
  r.start();
  const push = new Push({ linger: 0, reconnectInterval: 50 });
  push.connect(ep);
  await push.send(['fifty', ...Array.from({ length: 49 }, () => '')]);
  await until(() => firsts.includes('fifty'), 'the 50-frame message');
  assert.equal(frames[firsts.indexOf('fifty')], 50);
  await push.send(['fifty-one', ...Array.from({ length: 50 }, () => '')]);
  await until(() => r.stats().tooManyFrames === 1, 'tooManyFrames');
  await sendUntilArrived(push, firsts, 'after');
  assert.ok(!firsts.includes('fifty-one'));
  assert.equal(r.stats().messageTooLarge, 0);
  push.close();
  r.close();
});

test('a frame above maxFrameBytes is counted frameTooLarge, not as a failed handshake', async () => {
  const { r } = receiver(-1, -1);
  const ep = r.bind('tcp://127.0.0.1:*');
  r.lend(new ArrayBuffer(64 * 1024));
  r.start();
  const push = new Push({ linger: 0 });
  push.connect(ep);
  await push.send(Buffer.alloc((1 << 20) + 1));
  await until(() => r.stats().frameTooLarge === 1, 'frameTooLarge');
  assert.equal(r.stats().handshakeFailed, 0);
  assert.equal(r.stats().protocolDrops, 0, 'a size-limit drop is counted once, not also as a protocol drop');
  push.close();
  r.close();
});
