// The persisted-mode ACKs of one processed chunk when routing sends its messages to different sinks: each
// message's ACK waits only for the sinks its own records went to, so a client whose records go to a fast sink
// is not held up by a neighbour in the same chunk whose records wait for a slow or failing one.

/** Persisted-mode ACKs of one chunk (`T`: what `send` acknowledges, the pipeline's Inbound message). */
export class AckGroups<T> {
  /** Sinks (bit i = sinks[i]) that take part of the chunk and have not written it yet. */
  private pending: number;
  /** Messages by the mask of sinks their records went to. */
  private readonly groups = new Map<number, T[]>();

  /**
   * The ACK of `messages[k]` waits for the sinks in `masks[k]`; `taking` is the mask of every sink that takes
   * part of the chunk. A message whose mask is 0 (all its records dropped) is acknowledged at once.
   */
  constructor(
    messages: readonly T[],
    masks: readonly number[],
    taking: number,
    private readonly send: (message: T) => void,
  ) {
    this.pending = taking;
    for (let k = 0; k < messages.length; k++) {
      const g = this.groups.get(masks[k]);
      if (g) g.push(messages[k]);
      else this.groups.set(masks[k], [messages[k]]);
    }
    this.fireReady();
  }

  /** Sink `index` has written (per its policy) its part of the chunk. */
  written(index: number): void {
    this.pending &= ~(1 << index);
    this.fireReady();
  }

  /** Every sink has written: sends whatever is left (none, unless a sink wrote without reporting it). */
  all(): void {
    this.pending = 0;
    this.fireReady();
  }

  private fireReady(): void {
    for (const [mask, messages] of this.groups) {
      if ((mask & this.pending) !== 0) continue;
      this.groups.delete(mask);
      for (const m of messages) this.send(m);
    }
  }
}
