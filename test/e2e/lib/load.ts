// Paced load for a sender pod's stdin: numbered lines at a steady rate for as long as a journey runs, so a
// rolling upgrade or a scale happens while records are in flight. Bounded by count and by stop().
import { Readable } from 'node:stream';

export interface PacedLines {
  /** kubectl's stdin: `<marker> line <i>\n` lines, i = 0, 1, 2, ... */
  stream: Readable;
  /** Lines handed to the stream so far. */
  sent(): number;
  /** Ends the stream (the sender then flushes, waits for its acknowledgements and exits). */
  stop(): void;
}

/**
 * About `perSecond` lines a second in ticks of 100 ms, at most `max` lines in all. A tick whose chunk the
 * stream could not take (kubectl not attached yet, or slower than the rate) is skipped, not queued, so
 * memory stays flat whatever the consumer does.
 */
export function pacedLines(marker: string, perSecond: number, max: number): PacedLines {
  let next = 0;
  let ended = false;
  let full = false;
  const stream = new Readable({ read: () => void (full = false) });
  const perTick = Math.max(1, Math.round(perSecond / 10));
  const stop = (): void => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    stream.push(null);
  };
  const timer = setInterval(() => {
    if (full) return;
    const n = Math.min(perTick, max - next);
    let chunk = '';
    for (let i = 0; i < n; i++) chunk += `${marker} line ${next + i}\n`;
    next += n;
    full = !stream.push(chunk);
    if (next >= max) stop();
  }, 100);
  return { stream, sent: () => next, stop };
}

/**
 * The count a `zlog send` run reported as acknowledged (its last line, "zlog send: N records acknowledged ..."),
 * checked against what was fed to it: at least 1 and at most `fed`. Throws an Error quoting the output when the
 * line is missing or the count is out of range.
 */
export function acknowledgedOf(output: string, fed: number): number {
  const acked = Number(/zlog send: (\d+) records acknowledged/.exec(output)?.[1] ?? NaN);
  if (!(acked > 0 && acked <= fed)) throw new Error(`acknowledged ${acked} of ${fed} fed:\n${output}`);
  return acked;
}
