// File descriptors as a budget shared by every input: each peer connection holds descriptors, and the process
// has RLIMIT_NOFILE of them for connections, sink files, the HTTP servers and libzmq together.
import { READ_CAPS, readFileBounded } from '../util/read-bounded.js';

/** File descriptors kept for everything but input connections: sink files, the HTTP and admin servers, libzmq. */
export const FD_RESERVE = 128;
/** Descriptors one peer connection holds on the native receive path: libzmq's, and the receive thread's own copy
 * that tells a protocol-error drop from a hang-up (WatchConnection in native/src/receiver.cc). */
export const FDS_PER_CONNECTION = 2;

/** The process's soft RLIMIT_NOFILE (Node raises it to the hard limit at start), from /proc/self/limits; undefined when unreadable. */
export function openFileLimit(limits = '/proc/self/limits'): number | undefined {
  try {
    const line = readFileBounded(limits, READ_CAPS.kernel).split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/**
 * One descriptor budget for all inputs: each input's `maxConnections` (undefined or 0: no limit, not counted),
 * lowered in proportion (at least 1 each) when all their connections, FDS_PER_CONNECTION descriptors each, plus
 * FD_RESERVE do not fit under the process's open-file limit `nofile` (undefined: unknown, nothing lowered).
 * Returns the limits in input order and whether any was lowered.
 */
export function shareConnections(maxima: readonly (number | undefined)[], nofile = openFileLimit()): { limits: (number | undefined)[]; lowered: boolean } {
  const total = maxima.reduce<number>((n, m) => n + (m !== undefined && m > 0 ? m : 0), 0);
  const room = nofile === undefined ? Infinity : Math.max(0, Math.floor((nofile - FD_RESERVE) / FDS_PER_CONNECTION));
  if (total <= room) return { limits: [...maxima], lowered: false };
  return { limits: maxima.map((m) => (m !== undefined && m > 0 ? Math.max(1, Math.floor((m * room) / total)) : m)), lowered: true };
}
