// The packed form in which received messages travel to a worker thread: one ArrayBuffer per chunk, many
// messages per chunk, so a postMessage moves thousands of records with one transfer and no structured clone.
//
// Per message (little-endian):
//   u8  kind (0 = frames as received, 1 = native protocol payload)
//   u8  input index (into the worker's input table)
//   u8  compression (native only, protocol code)
//   u8  flags (bit 0: a sender name follows the frames; bit 1: FLAG_JSON_PLAIN)
//   u32 record count (native: from the header; frames: 0)
//   f64 receive time (ms since epoch)
//   u32 frame count, then per frame: u32 length + bytes
//   with flag bit 0: u32 length + the sender's name (UTF-8): the CurveZMQ client key that authenticated the
//   connection (the ZAP User-Id, native/src/zap.h); never counted as a frame

export const KIND_FRAMES = 0;
export const KIND_NATIVE = 1;
/**
 * Flag bit 1: every frame is valid UTF-8 (RFC 3629 section 4, as Node's `buffer.isUtf8` checks) that stands in
 * a JSON string as itself (no control byte, `"` or `\`; RFC 8259 section 7). The native receive thread sets it
 * while it copies the frames (a SIMD scan of ASCII there, a byte-wise UTF-8 check from the first non-ASCII
 * byte on, costs a fraction of the scan a worker otherwise does), and the worker then copies such records
 * without looking at their bytes.
 */
export const FLAG_JSON_PLAIN = 2;
const MSG_HEADER = 20;
const FLAG_SENDER = 1;

export interface PackedMessage {
  kind: number;
  input: number;
  compression: number;
  /** FLAG_JSON_PLAIN (byte 3 also says whether `sender` is set); absent is 0. */
  flags?: number;
  recordCount: number;
  receivedAt: number;
  frames: readonly Uint8Array[];
  /** Name of the client key that authenticated the sender (CURVE inputs on the native receive path). */
  sender?: string;
}

export function packedSize(frames: readonly Uint8Array[], sender?: string): number {
  let n = MSG_HEADER;
  for (const f of frames) n += 4 + f.byteLength;
  if (sender !== undefined) n += 4 + Buffer.byteLength(sender);
  return n;
}

/** Appends messages into a buffer; the owner decides when the chunk is full. */
export class ChunkBuilder {
  private view: DataView;
  private bytes: Uint8Array;
  offset = 0;
  messages = 0;

  constructor(private buffer: ArrayBuffer) {
    this.view = new DataView(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  get capacity(): number {
    return this.buffer.byteLength;
  }

  fits(size: number): boolean {
    return this.offset + size <= this.buffer.byteLength;
  }

  add(m: PackedMessage, size = packedSize(m.frames, m.sender)): void {
    if (!this.fits(size)) throw new RangeError(`chunk overflow: ${size} bytes do not fit`);
    const v = this.view;
    let o = this.offset;
    v.setUint8(o, m.kind);
    v.setUint8(o + 1, m.input);
    v.setUint8(o + 2, m.compression);
    v.setUint8(o + 3, (m.sender !== undefined ? FLAG_SENDER : 0) | ((m.flags ?? 0) & FLAG_JSON_PLAIN));
    v.setUint32(o + 4, m.recordCount, true);
    v.setFloat64(o + 8, m.receivedAt, true);
    v.setUint32(o + 16, m.frames.length, true);
    o += MSG_HEADER;
    for (const f of m.frames) {
      v.setUint32(o, f.byteLength, true);
      this.bytes.set(f, o + 4);
      o += 4 + f.byteLength;
    }
    if (m.sender !== undefined) {
      const name = Buffer.from(m.sender);
      v.setUint32(o, name.byteLength, true);
      this.bytes.set(name, o + 4);
      o += 4 + name.byteLength;
    }
    this.offset = o;
    this.messages++;
  }

  /** Hands the buffer over (to be transferred); the builder must not be used afterwards. */
  finish(): { buffer: ArrayBuffer; length: number; messages: number } {
    return { buffer: this.buffer, length: this.offset, messages: this.messages };
  }
}

const decoder = new TextDecoder();

/** Iterates the messages of a packed chunk; frames are views into the chunk (no copies). */
export function* readChunk(buffer: ArrayBuffer, length: number): Generator<PackedMessage> {
  const v = new DataView(buffer, 0, length);
  const bytes = new Uint8Array(buffer, 0, length);
  let o = 0;
  while (o < length) {
    const kind = v.getUint8(o);
    const input = v.getUint8(o + 1);
    const compression = v.getUint8(o + 2);
    const flags = v.getUint8(o + 3);
    const recordCount = v.getUint32(o + 4, true);
    const receivedAt = v.getFloat64(o + 8, true);
    const n = v.getUint32(o + 16, true);
    o += MSG_HEADER;
    const frames: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const len = v.getUint32(o, true);
      frames[i] = bytes.subarray(o + 4, o + 4 + len);
      o += 4 + len;
    }
    if (flags & FLAG_SENDER) {
      const len = v.getUint32(o, true);
      const sender = decoder.decode(bytes.subarray(o + 4, o + 4 + len));
      o += 4 + len;
      yield { kind, input, compression, flags, recordCount, receivedAt, frames, sender };
    } else {
      yield { kind, input, compression, flags, recordCount, receivedAt, frames };
    }
  }
}

/**
 * Reads the messages of a packed chunk in place, one at a time, into itself: what readChunk yields, without an
 * object, a frames array and a view per frame for every message (at 100 B records one message is one record,
 * and those allocations were a visible share of the worker's time). `frameStart(i)`/`frameEnd(i)` are offsets
 * into `bytes`; `frames` builds the views only when a caller asks for them. Valid until the next `next()`.
 */
export class ChunkReader implements PackedMessage {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;
  kind = 0;
  input = 0;
  compression = 0;
  flags = 0;
  recordCount = 0;
  receivedAt = 0;
  frameCount = 0;
  sender: string | undefined = undefined;
  /** Start and end offset of each frame, two entries per frame. */
  private bounds = new Int32Array(16);
  private views: Uint8Array[] | undefined;

  constructor(
    buffer: ArrayBuffer,
    private readonly length: number,
  ) {
    this.bytes = new Uint8Array(buffer, 0, length);
    this.view = new DataView(buffer, 0, length);
  }

  /** Moves to the next message; false at the end of the chunk. */
  next(): boolean {
    const v = this.view;
    let o = this.offset;
    if (o >= this.length) return false;
    this.kind = v.getUint8(o);
    this.input = v.getUint8(o + 1);
    this.compression = v.getUint8(o + 2);
    this.flags = v.getUint8(o + 3);
    this.recordCount = v.getUint32(o + 4, true);
    this.receivedAt = v.getFloat64(o + 8, true);
    const n = v.getUint32(o + 16, true);
    o += MSG_HEADER;
    if (2 * n > this.bounds.length) this.bounds = new Int32Array(2 * n);
    const b = this.bounds;
    for (let i = 0; i < n; i++) {
      const len = v.getUint32(o, true);
      b[2 * i] = o + 4;
      b[2 * i + 1] = o + 4 + len;
      o += 4 + len;
    }
    this.frameCount = n;
    this.views = undefined;
    if (this.flags & FLAG_SENDER) {
      const len = v.getUint32(o, true);
      this.sender = decoder.decode(this.bytes.subarray(o + 4, o + 4 + len));
      o += 4 + len;
    } else {
      this.sender = undefined;
    }
    this.offset = o;
    return true;
  }

  frameStart(i: number): number {
    return this.bounds[2 * i];
  }

  frameEnd(i: number): number {
    return this.bounds[2 * i + 1];
  }

  /** The frames as views into the chunk (built on first use for this message). */
  get frames(): readonly Uint8Array[] {
    if (!this.views) {
      const views: Uint8Array[] = new Array(this.frameCount);
      for (let i = 0; i < this.frameCount; i++) views[i] = this.bytes.subarray(this.bounds[2 * i], this.bounds[2 * i + 1]);
      this.views = views;
    }
    return this.views;
  }
}
