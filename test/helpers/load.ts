// A steady load of numbered records through a native client, for tests that break a store or a sink while it
// runs and then check that every acknowledged record arrived.
import type { ZlogClient } from '../../collector/client/client.js';

export interface AckedLoad {
  /** Ids the collector acknowledged (persisted mode: written). */
  readonly acked: Set<number>;
  /** How many records were handed to the client so far. */
  sent(): number;
  /** Stops sending and waits for the send loop to end (idempotent). */
  stop(): Promise<void>;
}

/**
 * Sends `line(0)`, `line(1)`, ... until stop() or `max` records, as fast as the client's window allows (a
 * millisecond's pause every 200 records so the collector's side of the machine is not starved).
 */
export function startAckedLoad(client: ZlogClient, line: (id: number) => string, max: number): AckedLoad {
  const acked = new Set<number>();
  let stopped = false;
  let sent = 0;
  const loop = (async () => {
    while (!stopped && sent < max) {
      const id = sent++;
      client.send(line(id)).then(
        () => acked.add(id),
        () => {},
      );
      if (!client.writable) await client.whenWritable();
      if (id % 200 === 0) await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return {
    acked,
    sent: () => sent,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
