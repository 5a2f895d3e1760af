// The receive loop every ZeroMQ input runs: one message at a time on the main thread (see docs/architecture.md
// for why not on a thread of its own), a poll timeout so stop() is noticed, and a pause after errors.
import { sleep } from '../../util/sleep.js';
import { isTimeout } from './socket.js';

/** How long one receive() waits before the loop checks whether it should stop. */
export const POLL_MS = 250;
const ERROR_PAUSE_MS = 10;

/** The part of a zeromq.js socket the loop uses (Pull, Subscriber, Router). */
export interface Receiver {
  receive(): Promise<Buffer[]>;
  receiveTimeout: number;
  readonly closed: boolean;
}

export interface ReceiveLoopOptions {
  /** Every message as received (all frames; a ROUTER's first frame is the peer's routing id). */
  onMessage: (frames: Buffer[]) => void;
  /** A receive error other than a timeout, EBUSY or a closed socket. */
  onError: (err: unknown) => void;
  /**
   * Called before each receive; a promise returned is awaited (the queue is full). Inputs without replies pass
   * this so a full queue stops reading and pushes back; inputs with replies keep reading to answer "busy".
   */
  waitForRoom?: () => Promise<void> | undefined;
}

export class ReceiveLoop {
  private stopping = false;
  private running?: Promise<void>;

  constructor(
    private readonly sock: Receiver,
    private readonly opts: ReceiveLoopOptions,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Ends the loop after the receive in progress (at most POLL_MS). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async run(): Promise<void> {
    const { sock, opts } = this;
    while (!this.stopping) {
      const wait = opts.waitForRoom?.();
      if (wait) await wait;
      let frames: Buffer[];
      try {
        frames = await sock.receive();
      } catch (err) {
        if (isTimeout(err) || sock.closed) continue;
        // EBUSY is expected while an unbind is in progress. Such errors come back at once, so retrying straight
        // away is a microtask-only loop that starves the event loop: the unbind it waits for never completes and
        // the drain hangs. A short pause after any error lets the event loop move on.
        if ((err as { code?: string }).code !== 'EBUSY') opts.onError(err);
        await sleep(ERROR_PAUSE_MS);
        continue;
      }
      opts.onMessage(frames);
    }
  }

  /**
   * After stop(): reads what the socket already holds until it stays quiet for `quietMs` (or until epoch-ms
   * `deadline`), so messages peers handed over before an unbind are not dropped. Resolves true when the socket
   * went quiet, false when the deadline came first (peers were still sending, or the queue stayed full).
   */
  async readQueued(quietMs: number, deadline: number): Promise<boolean> {
    const { sock, opts } = this;
    sock.receiveTimeout = quietMs;
    while (Date.now() < deadline && !sock.closed) {
      // A full queue holds reading back during a drain too: reading past it only takes records off the socket
      // that the sinks cannot write before the deadline (they were then dropped, and memory doubled).
      const wait = opts.waitForRoom?.();
      if (wait && !(await beforeDeadline(wait, deadline))) return false;
      let frames: Buffer[];
      try {
        frames = await sock.receive();
      } catch {
        return true; // quiet for quietMs (or closed): nothing more queued
      }
      opts.onMessage(frames);
    }
    return sock.closed;
  }
}

/** Whether `p` settled before epoch-ms `deadline`. */
async function beforeDeadline(p: Promise<void>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
