// The ROUTER input's table of batches admitted and not yet answered, so that a client's resend of a batch still
// in the pipeline is recognised and not admitted again (docs/protocol.md, "Resends"). A persisted-mode client
// resends every ack timeout while a sink retries; admitting each copy stored every record once per resend.

/** Bytes one entry costs beyond its key's characters (Set slot, string header). */
const ENTRY_OVERHEAD_BYTES = 64;

/**
 * The key of one batch: routing id, sequence number, CRC-32, uncompressed length and record count. The CRC,
 * length and count are there for a restarted client that reuses its routing id and numbers its batches from 1
 * again: only the same bytes under the same number count as the same batch.
 */
export function batchKey(routingId: Buffer, seq: bigint, crc: number, uncompressedLength: number, recordCount: number): string {
  return `${routingId.toString('latin1')}\0${seq}\0${crc}\0${uncompressedLength}\0${recordCount}`;
}

/**
 * A set of batch keys bounded by count and by bytes (key characters plus ENTRY_OVERHEAD_BYTES each). The
 * pipeline's queue already bounds it (one entry per queued batch), but a routing id may be 255 bytes and the
 * queue 200,000 records, so it has bounds of its own. Past them `add` refuses and the caller answers the batch
 * `busy`, as for a full queue: the client backs off and resends, and no batch is ever admitted untracked.
 */
export class PendingBatches<V = undefined> {
  /** Each key with what the caller keeps for it (the input: where the batch's reply goes). */
  private readonly keys = new Map<string, V | undefined>();
  private usedBytes = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** The value `key` was added with (undefined for none, or a key not here). */
  get(key: string): V | undefined {
    return this.keys.get(key);
  }

  /** Tracks `key` (with `value`); false (nothing changed) when the table is at a bound. */
  add(key: string, value?: V): boolean {
    const cost = key.length + ENTRY_OVERHEAD_BYTES;
    if (this.keys.size >= this.maxEntries || this.usedBytes + cost > this.maxBytes) return false;
    this.keys.set(key, value);
    this.usedBytes += cost;
    return true;
  }

  delete(key: string): void {
    if (this.keys.delete(key)) this.usedBytes -= key.length + ENTRY_OVERHEAD_BYTES;
  }

  get size(): number {
    return this.keys.size;
  }

  get bytes(): number {
    return this.usedBytes;
  }
}

/**
 * The keys of the batches answered last, oldest dropped first past `maxEntries` or `maxBytes`: a batch resent
 * after its ACK was sent (the ACK was lost, or crossed the client's ack timeout) is recognised while its key is
 * still here. It is admitted again all the same (a restarted client may send the same bytes under the same
 * number on purpose), and counted, so the duplicates a lost ACK leaves are known.
 */
export class RecentBatches {
  private readonly keys = new Set<string>();
  /**
   * The same keys oldest first, from `head` on. Not the Set's own order: iterating a Set from its start after
   * many deletes walks their empty slots until V8 rehashes it (~150 us per add at 65,536 entries).
   */
  private order: string[] = [];
  private head = 0;
  private usedBytes = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    const cost = key.length + ENTRY_OVERHEAD_BYTES;
    if (cost > this.maxBytes || this.keys.has(key)) return;
    this.keys.add(key);
    this.order.push(key);
    this.usedBytes += cost;
    while (this.keys.size > this.maxEntries || this.usedBytes > this.maxBytes) {
      const old = this.order[this.head++];
      this.keys.delete(old);
      this.usedBytes -= old.length + ENTRY_OVERHEAD_BYTES;
    }
    // Drop the consumed front now and then, so the array stays within twice the entries.
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.keys.size;
  }

  get bytes(): number {
    return this.usedBytes;
  }
}
