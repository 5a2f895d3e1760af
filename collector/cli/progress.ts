// A one-line progress report (records, rate) for long runs, redrawn in place on a terminal; silent when stderr is
// not a TTY, so logs and scripts never see it.

export interface Progress {
  /** Called with the running count; redraws at most once a second. */
  update(records: number): void;
  /** Clears the line. */
  done(): void;
}

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const t0 = performance.now();
  let last = t0;
  let shown = false;
  return {
    update(records: number) {
      const now = performance.now();
      if (now - last < 1000) return;
      last = now;
      const rate = Math.round(records / ((now - t0) / 1000));
      stream.write(`\r\x1b[2K${label}: ${records.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')} records/s`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
