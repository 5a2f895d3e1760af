// The shared ZeroMQ receive loop with a scripted receiver (the narrow Receiver interface): messages are passed
// on in order, errors other than timeouts and EBUSY are reported, and an error storm does not starve the event
// loop (the EBUSY pause the PULL/SUB copy had, now for every ZeroMQ input).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReceiveLoop, type Receiver } from './receive-loop.js';

function codeError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/** Answers receive() from a script: a message, or an error; then times out (EAGAIN) once the script is done. */
class ScriptedReceiver implements Receiver {
  receiveTimeout = 250;
  closed = false;
  calls = 0;
  constructor(private readonly script: (Buffer[] | Error)[]) {}
  async receive(): Promise<Buffer[]> {
    this.calls++;
    const next = this.script.shift();
    if (next === undefined) {
      await new Promise((r) => setTimeout(r, 5));
      throw codeError('EAGAIN');
    }
    if (next instanceof Error) throw next;
    return next;
  }
}

test('messages in order; timeouts and EBUSY are quiet, other errors reported; stop() ends the loop', async () => {
  const sock = new ScriptedReceiver([[Buffer.from('a')], codeError('EBUSY'), [Buffer.from('b')], codeError('EFAULT'), [Buffer.from('c')]]);
  const got: string[] = [];
  const errors: unknown[] = [];
  const loop = new ReceiveLoop(sock, { onMessage: (f) => got.push(f[0].toString()), onError: (e) => errors.push(e) });
  loop.start();
  for (let i = 0; i < 200 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
  await loop.stop();
  assert.deepEqual(got, ['a', 'b', 'c']);
  assert.deepEqual(errors.map((e) => (e as { code: string }).code), ['EFAULT']);
  const calls = sock.calls;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sock.calls, calls, 'no receive after stop()');
});

test('an endless EBUSY storm leaves the event loop free (the unbind it waits for can complete)', async () => {
  const storm = new ScriptedReceiver([]);
  storm.receive = async () => {
    storm.calls++;
    throw codeError('EBUSY');
  };
  const loop = new ReceiveLoop(storm, { onMessage: () => {}, onError: () => {} });
  loop.start();
  // Without a pause after the error, the loop is microtasks only and neither a timer nor setImmediate runs.
  await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setImmediate(r));
  await loop.stop();
  assert.ok(storm.calls < 50, `${storm.calls} receives in 50 ms: the loop pauses after each error`);
});

test('waitForRoom is awaited before each receive (back-pressure: no read while the queue is full)', async () => {
  const sock = new ScriptedReceiver([[Buffer.from('x')], [Buffer.from('y')]]);
  let open!: () => void;
  let full = true;
  const got: string[] = [];
  const loop = new ReceiveLoop(sock, {
    onMessage: (f) => got.push(f[0].toString()),
    onError: () => {},
    waitForRoom: () => (full ? new Promise<void>((r) => (open = () => ((full = false), r()))) : undefined),
  });
  loop.start();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sock.calls, 0, 'nothing read while full');
  open();
  for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
  await loop.stop();
  assert.deepEqual(got, ['x', 'y']);
});

test('readQueued (the drain) keeps the pause of a full queue: nothing is read until there is room, nothing past the deadline', async () => {
  const sock = new ScriptedReceiver([[Buffer.from('1')], [Buffer.from('2')], [Buffer.from('3')]]);
  let full = true;
  let open!: () => void;
  const room = new Promise<void>((r) => (open = r));
  const got: string[] = [];
  const loop = new ReceiveLoop(sock, { onMessage: (f) => got.push(f[0].toString()), onError: () => {}, waitForRoom: () => (full ? room : undefined) });
  await loop.stop();
  const reading = loop.readQueued(50, Date.now() + 60_000);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sock.calls, 0, 'no read while the queue is full');
  full = false;
  open();
  await reading;
  assert.deepEqual(got, ['1', '2', '3'], 'then everything queued is read');

  // Still full at the deadline: readQueued returns, leaving the messages in the socket instead of taking them.
  const stuck = new ScriptedReceiver([[Buffer.from('a')]]);
  const loop2 = new ReceiveLoop(stuck, { onMessage: () => assert.fail('read past a full queue'), onError: () => {}, waitForRoom: () => new Promise<void>(() => {}) });
  await loop2.stop();
  await loop2.readQueued(50, Date.now() + 40);
  assert.equal(stuck.calls, 0);
});
