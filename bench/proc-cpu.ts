// CPU time of live processes and of their threads, read from /proc (Linux), for the benches' "where does the
// time go" columns. Values in seconds; a thread or process that ended reads as absent / NaN.
import { readdirSync, readFileSync } from 'node:fs';

// Linux reports /proc times in USER_HZ, which is 100 on every architecture Node runs on.
const CLK_TCK = 100;

/** utime + stime of each thread of a live process, in seconds, with the thread's name. */
export function threadCpu(pid: number | undefined): Map<number, { comm: string; seconds: number }> {
  const out = new Map<number, { comm: string; seconds: number }>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(Number(tid), { comm, seconds: (Number(f[11]) + Number(f[12])) / CLK_TCK });
      } catch {
        // the thread ended between listing and reading
      }
    }
  } catch {
    // the process is gone
  }
  return out;
}

/**
 * Per-thread CPU between two snapshots in µs per record, grouped: `main` (the process's first thread, zlog
 * only), `zmq-io` (libzmq's ZMQbg threads), `native-receive` (zlog's receive thread), then for zlog the
 * unnamed threads by CPU: `busiest-other`, `second-other` (worker threads, a sink's encoder thread) and `rest`
 * (libuv's pool, where zlib's async gzip runs, and V8's helpers); for other processes one group per name.
 */
export function threadBreakdown(pid: number | undefined, before: ReturnType<typeof threadCpu>, after: ReturnType<typeof threadCpu>, records: number, zlog: boolean): Record<string, number> {
  const groups: Record<string, number> = {};
  const others: number[] = [];
  for (const [tid, t] of after) {
    const d = t.seconds - (before.get(tid)?.seconds ?? 0);
    if (zlog && tid === pid) groups.main = (groups.main ?? 0) + d;
    else if (t.comm.startsWith('ZMQbg')) groups['zmq-io'] = (groups['zmq-io'] ?? 0) + d;
    else if (t.comm === 'zlog-receive') groups['native-receive'] = (groups['native-receive'] ?? 0) + d;
    else if (zlog) others.push(d);
    else groups[t.comm] = (groups[t.comm] ?? 0) + d;
  }
  if (zlog) {
    others.sort((a, b) => b - a);
    groups['busiest-other'] = others[0] ?? 0;
    // With 2 worker threads (jw2) the second worker is the second-busiest: counted apart, it no longer hides in `rest`.
    groups['second-other'] = others[1] ?? 0;
    groups.rest = others.slice(2).reduce((a, b) => a + b, 0);
  }
  const perRecord: Record<string, number> = {};
  for (const [k, v] of Object.entries(groups)) perRecord[k] = Math.round((v / Math.max(1, records)) * 1e7) / 10;
  return perRecord;
}

/** utime + stime of a live process (all its threads), in seconds. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
