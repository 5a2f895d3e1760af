// zmq-pull and zmq-sub: messages are raw frames from emitters that expect no reply (rsyslog omczmq, pyzmq,
// Python's PUBHandler). When the queue is full we stop reading: PUSH senders block at their high-water mark,
// PUB senders drop (ZeroMQ's PUB/SUB has no back-pressure; see docs/operations.md).
import * as zmq from 'zeromq';
import { KIND_FRAMES } from '../pipeline/chunk.js';
import { sleep } from '../pipeline/sleep.js';
import { socketMaxMessageSize, totalBytes, isTimeout, type Input, type InputContext } from './input.js';

const POLL_MS = 250;
const ERROR_PAUSE_MS = 10;

export class FrameInput implements Input {
  readonly id: string;
  readonly type: string;
  readonly endpoints: string[] = [];
  private readonly bound: string[] = [];
  private readonly sock: zmq.Pull | zmq.Subscriber;
  private stopping = false;
  private loop?: Promise<void>;
  /** Received bytes not yet added to the counter: one prom-client inc per event-loop turn, not per message. */
  private unreportedBytes = 0;
  private reportScheduled = false;
  private readonly reportBytes = (): void => {
    this.reportScheduled = false;
    this.ctx.metrics.receivedBytes.inc(this.unreportedBytes);
    this.unreportedBytes = 0;
  };

  get socket(): zmq.Socket {
    return this.sock;
  }

  constructor(private readonly ctx: InputContext) {
    const { cfg, limits } = ctx;
    this.id = cfg.id;
    this.type = cfg.type;
    const opts = { receiveHighWaterMark: cfg.rcvHwm, maxMessageSize: socketMaxMessageSize(limits), receiveTimeout: POLL_MS, linger: 0 };
    if (cfg.type === 'zmq-sub') {
      const sub = new zmq.Subscriber(opts);
      for (const t of cfg.topics) sub.subscribe(t);
      this.sock = sub;
    } else {
      this.sock = new zmq.Pull(opts);
    }
  }

  async start(): Promise<void> {
    for (const ep of this.ctx.cfg.bind) {
      await this.sock.bind(ep);
      this.bound.push(this.sock.lastEndpoint ?? ep);
      this.endpoints.push(this.sock.lastEndpoint ?? ep);
    }
    for (const ep of this.ctx.cfg.connect) {
      this.sock.connect(ep);
      this.endpoints.push(ep);
    }
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { admission, metrics } = this.ctx;
    while (!this.stopping) {
      const wait = admission.waitForRoom();
      if (wait) await wait;
      let frames: Buffer[];
      try {
        frames = await this.sock.receive();
      } catch (err) {
        if (isTimeout(err) || this.sock.closed) continue;
        // EBUSY is expected while drain() unbinds. Any such error comes back at once, so retrying straight away
        // is a microtask-only loop that starves the event loop: the unbind it waits for never completes and
        // the drain hangs. A short pause lets the event loop (and the unbind) move on.
        if ((err as { code?: string }).code !== 'EBUSY') {
          this.ctx.log.error({ input: this.id, err }, 'receive failed');
          metrics.error('io', 'receive').inc();
        }
        await sleep(ERROR_PAUSE_MS);
        continue;
      }
      this.accept(frames);
    }
  }

  private accept(frames: Buffer[]): void {
    const { admission, pipeline, metrics, limits, index } = this.ctx;
    const bytes = totalBytes(frames);
    this.unreportedBytes += bytes;
    if (!this.reportScheduled) {
      this.reportScheduled = true;
      setImmediate(this.reportBytes);
    }
    if (bytes > limits.maxMessageBytes) {
      metrics.discarded('too_large').inc();
      return;
    }
    const records = Math.max(1, frames.length);
    admission.add(records, bytes);
    pipeline.submit({ input: index, kind: KIND_FRAMES, compression: 0, recordCount: 0, frames, receivedAt: Date.now(), admitted: { records, bytes } });
  }

  async drain(quietMs: number, deadline: number): Promise<void> {
    // Stop new peers first, keep reading what peers already handed over until the socket stays quiet.
    for (const ep of this.bound) await this.sock.unbind(ep).catch(() => {});
    for (const ep of this.ctx.cfg.connect) {
      try {
        this.sock.disconnect(ep);
      } catch {
        // already gone
      }
    }
    this.stopping = true;
    await this.loop;
    this.sock.receiveTimeout = quietMs;
    while (Date.now() < deadline) {
      let frames: Buffer[];
      try {
        frames = await this.sock.receive();
      } catch {
        break; // quiet for quietMs (or closed): nothing more queued
      }
      this.accept(frames);
    }
    this.sock.close();
  }

  close(): void {
    this.stopping = true;
    if (!this.sock.closed) this.sock.close();
  }
}
