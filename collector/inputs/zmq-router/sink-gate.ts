// Refusal before admission while a sink's queue is full (routing with several sinks; docs/sinks.md, "One sink
// down"). Routing runs in the workers, record by record, so the ROUTER input cannot know where a new batch goes
// before it is admitted. It remembers, per sender (routing id), the sinks the worker routed that sender's last
// batch to, and refuses the next batch `busy` at once while one of them is full: the refused batch takes no
// place in the shared queue and no worker time. A sender whose batches change destination is re-checked by
// letting one batch through to the worker now and then (a probe: the worker refuses it too if it goes to a full
// sink, and reports where it would have gone). An unknown sender is refused only when every sink its input can
// feed is full (routing/feeds.ts); otherwise its batch goes to the worker, which refuses what goes to a full sink.

/** Where one sender's last routed batch went. */
export interface SenderRoute {
  /** Sinks (bit i = sinks[i]) its last batch went to, or would have gone to when it was refused. */
  sinks: number;
  /** performance.now() of the last batch let through while `sinks` named a full sink (a probe). */
  probeAt: number;
}

/**
 * What to do with a sender's batch now: 0 admits it; otherwise the full sinks (mask) it is refused for.
 * `route`: what is known of the sender (mutated: probeAt when it is let through as a probe); `feeds`: the sinks
 * its input can feed; `full`: the sinks whose queues are full now; `probeMs`: at most one probe per sender so often.
 */
export function refusalFor(route: SenderRoute | undefined, feeds: number, full: number, now: number, probeMs: number): number {
  if (full === 0) return 0;
  if (route === undefined) {
    // Unknown: refused only when it cannot go anywhere else; else the worker decides.
    return feeds !== 0 && (feeds & ~full) === 0 ? feeds : 0;
  }
  const hit = route.sinks & full;
  if (hit === 0) return 0;
  if (now - route.probeAt >= probeMs) {
    route.probeAt = now;
    return 0;
  }
  return hit;
}

/**
 * The last route of each sender, bounded by count: two generations of at most maxEntries / 2 each; when the
 * current one is full it becomes the previous one and the oldest generation is dropped whole (constant time, no
 * per-entry order to keep). A sender that was dropped is unknown again (see refusalFor). Keys are routing ids,
 * at most 255 bytes, so the bytes are bounded too (maxEntries x ~320 B).
 */
export class SenderRoutes {
  private current = new Map<string, SenderRoute>();
  private previous = new Map<string, SenderRoute>();

  constructor(readonly maxEntries: number) {}

  get(id: string): SenderRoute | undefined {
    const r = this.current.get(id);
    if (r !== undefined) return r;
    const old = this.previous.get(id);
    if (old !== undefined) this.put(id, old);
    return old;
  }

  /** Records where the sender's latest batch went (keeps its probe time). */
  set(id: string, sinks: number): void {
    const r = this.get(id);
    if (r) r.sinks = sinks;
    else this.put(id, { sinks, probeAt: -Infinity });
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private put(id: string, r: SenderRoute): void {
    if (this.current.size >= Math.max(1, Math.floor(this.maxEntries / 2))) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(id, r);
    this.previous.delete(id);
  }
}
