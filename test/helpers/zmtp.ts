// A ZMTP 3.0 PUSH peer written on a plain TCP socket (RFC 23/ZMTP: greeting, NULL mechanism READY, frames), for
// tests that send what no ZeroMQ library would build in bounded memory: one message of hundreds of megabytes,
// streamed from a single reused buffer. Test-only; the collector's own code never speaks raw ZMTP.
import { connect, type Socket } from 'node:net';

/** 64-byte ZMTP 3.0 greeting: signature, version 3.0, mechanism NULL, as-server 0 (RFC 23, "The Greeting"). */
function greeting(): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 0;
  g.write('NULL', 12, 'ascii');
  return g;
}

/** A command or message frame header: flags (0x01 more, 0x02 long size, 0x04 command) and the size. */
function frameHeader(size: number, more: boolean, command = false): Buffer {
  const flags = (more ? 0x01 : 0) | (command ? 0x04 : 0);
  if (size <= 255) return Buffer.from([flags, size]);
  const h = Buffer.alloc(9);
  h[0] = flags | 0x02;
  h.writeBigUInt64BE(BigInt(size), 1);
  return h;
}

/** The NULL mechanism's READY command with Socket-Type PUSH (RFC 23, "The NULL Security Mechanism"). */
function ready(): Buffer {
  const name = Buffer.from('Socket-Type');
  const value = Buffer.from('PUSH');
  const vlen = Buffer.alloc(4);
  vlen.writeUInt32BE(value.length);
  const body = Buffer.concat([Buffer.from([5]), Buffer.from('READY'), Buffer.from([name.length]), name, vlen, value]);
  return Buffer.concat([frameHeader(body.length, false, true), body]);
}

export interface StreamResult {
  /** Frames whose header and body were handed to the kernel in full. */
  framesWritten: number;
  /** Payload bytes handed to the kernel. */
  bytesWritten: number;
  /** The peer closed or reset the connection before every frame was written. */
  closedByPeer: boolean;
}

/**
 * Connects to `host:port` as a ZMTP 3.0 PUSH peer and sends one message of `frames` frames, each the same
 * `frame` buffer (the last without the more flag), each write handed to the kernel before the next. Ends early
 * when the peer closes the connection, and after `timeoutMs` in any case; then waits up to 5 s for a close.
 */
export async function streamMessage(host: string, port: number, frames: number, frame: Buffer, timeoutMs = 60_000): Promise<StreamResult> {
  const sock: Socket = connect({ host, port });
  let closed = false;
  sock.on('error', () => {
    closed = true;
  });
  sock.on('close', () => {
    closed = true;
  });
  // Incoming bytes (the peer's greeting and READY) are read and ignored.
  sock.on('data', () => {});
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const deadline = Date.now() + timeoutMs;
  const write = (b: Buffer): Promise<void> =>
    new Promise((resolve) => {
      if (closed) return resolve();
      const onClose = (): void => resolve();
      sock.once('close', onClose);
      const flushed = sock.write(b, () => {
        sock.off('close', onClose);
        resolve();
      });
      void flushed;
    });
  await write(Buffer.concat([greeting(), ready()]));
  let framesWritten = 0;
  let bytesWritten = 0;
  // Small frames go out many to a write (a million awaited writes would take minutes); large ones one by one.
  const perWrite = Math.max(1, Math.floor((1 << 20) / (frame.length + 9)));
  for (let i = 0; i < frames && !closed && Date.now() < deadline; ) {
    const n = Math.min(perWrite, frames - i);
    const parts: Buffer[] = [];
    for (let k = 0; k < n; k++) parts.push(frameHeader(frame.length, i + k < frames - 1), frame);
    await write(n === 1 && frame.length > 65536 ? parts[0] : Buffer.concat(parts));
    if (n === 1 && frame.length > 65536) await write(frame);
    if (closed) break;
    i += n;
    framesWritten += n;
    bytesWritten += n * frame.length;
  }
  // A peer that refuses the message closes the connection once it has read past its limit, which may be after
  // the kernel took the last write: wait a little for that before calling the message delivered.
  for (let i = 0; i < 50 && !closed; i++) await new Promise((r) => setTimeout(r, 100));
  const closedByPeer = closed;
  sock.destroy();
  return { framesWritten, bytesWritten, closedByPeer };
}

/** One ZMTP message frame: header and body (RFC 23, "Framing"). */
export function zmtpFrame(body: Buffer, more = false): Buffer {
  return Buffer.concat([frameHeader(body.length, more), body]);
}

/** Whether `b` holds a whole ZMTP 3.0 greeting (64 bytes) followed by one whole command frame (the READY). */
function hasGreetingAndCommand(b: Buffer): boolean {
  if (b.length < 66) return false;
  const long = (b[64] & 0x02) !== 0;
  if (long) return b.length >= 73 && b.length >= 73 + Number(b.readBigUInt64BE(65));
  return b.length >= 66 + b[65];
}

/**
 * A TCP connection to `host:port` that has sent the ZMTP 3.0 greeting and a PUSH READY (NULL mechanism) and read
 * the peer's greeting and READY, so the handshake is complete and zmtpFrame() writes are messages; half-open
 * allowed. The caller owns it (end() or destroy()).
 * Waiting for the peer's READY is what RFC 23 asks (no message before the handshake completes), and libzmq 4.3
 * depends on it: when the greeting, the READY and the first messages are all in its buffer before it has sent its
 * own READY (a loaded machine), it reads the first message as a handshake command and drops the connection
 * (seen as handshake_failed and 0 frames received in 3 of 8 tries at load 35).
 */
export async function openPush(host: string, port: number, timeoutMs = 10_000): Promise<Socket> {
  // allowHalfOpen: when the peer ends its stream, ours stays open until the caller ends it (Node would end it).
  const sock: Socket = connect({ host, port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.write(Buffer.concat([greeting(), ready()]));
  let got = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ZMTP greeting and READY from ${host}:${port} within ${timeoutMs} ms (${got.length} bytes)`)), timeoutMs);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (hasGreetingAndCommand(got)) done();
    };
    const onEnd = () => done(new Error(`${host}:${port} closed during the ZMTP handshake (${got.length} bytes)`));
    const done = (err?: Error) => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('error', onEnd);
      sock.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    sock.on('data', onData);
    sock.once('error', onEnd);
    sock.once('end', onEnd);
  });
  // What the peer sends later (nothing, for a PULL) is read and ignored, so its end of stream is seen.
  sock.on('data', () => {});
  return sock;
}
