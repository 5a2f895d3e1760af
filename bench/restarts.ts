// PULL loss across collector restarts with the real rsyslog omczmq sender (issue 9, "PULL inputs lose records
// on drain"). Figures, not a test: `node dist/bench/restarts.js` prints one line per restart and a summary.
//
// One rsyslogd (imtcp -> omczmq PUSH, no sendtimeout: it blocks rather than drops) stays up for the whole bench.
// Each run feeds it `--lines` numbered lines, `--batch` every `--every-ms` ms; once `--kill-after` lines are fed,
// the collector gets SIGTERM (it drains), and `--pause-ms` after it exited a new collector starts on the same
// port and the same files. When the run's lines stop arriving, the files are read and every line number of the
// run is looked up: lost = fed - distinct found, duplicated = found - distinct. What the drain logged (its
// result, the unread-socket warning and its counts) is printed beside each run.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { spawn, spawnSync } from 'node:child_process';
import { startChildCollector, type ChildCollector } from '../collector/cli/child-collector.js';
import { freePort } from '../test/helpers/net.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';

const USAGE = `usage: node dist/bench/restarts.js [--runs 20] [--lines 20000] [--kill-after 10000] [--batch 500] [--every-ms 20]
       [--pause-ms 2000] [--receiver native|zeromq] [--drain-timeout 10] [--set key=value ...] [--keep]
  Each run: feed --lines numbered lines to rsyslog (imtcp), which pushes them to the collector's zmq-pull input
  through omczmq; SIGTERM the collector after --kill-after lines, restart it --pause-ms after it exited (same
  port, same files); count the run's lines in the files. Prints loss and duplicates per run and in total.`;

interface Options {
  runs: number;
  lines: number;
  killAfter: number;
  batch: number;
  everyMs: number;
  pauseMs: number;
  receiver: string;
  drainTimeout: number;
  set: string[];
  keep: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '20' },
      lines: { type: 'string', default: '20000' },
      'kill-after': { type: 'string', default: '10000' },
      batch: { type: 'string', default: '500' },
      'every-ms': { type: 'string', default: '20' },
      'pause-ms': { type: 'string', default: '2000' },
      receiver: { type: 'string', default: 'native' },
      'drain-timeout': { type: 'string', default: '10' },
      set: { type: 'string', multiple: true, default: [] },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const n = (v: string | undefined, what: string, min = 1): number => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new Error(`--${what} must be an integer >= ${min}, got '${v}'`);
    return x;
  };
  return {
    runs: n(values.runs, 'runs'),
    lines: n(values.lines, 'lines'),
    killAfter: n(values['kill-after'], 'kill-after', 0),
    batch: n(values.batch, 'batch'),
    everyMs: n(values['every-ms'], 'every-ms', 0),
    pauseMs: n(values['pause-ms'], 'pause-ms', 0),
    receiver: values.receiver ?? 'native',
    drainTimeout: n(values['drain-timeout'], 'drain-timeout'),
    set: values.set ?? [],
    keep: values.keep ?? false,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** rsyslogd in the foreground: imtcp on tcpPort, every line to one omczmq PUSH connected to the collector. */
function startRsyslog(dir: string, tcpPort: number, pullPort: number): ReturnType<typeof spawn> {
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}")`,
      `module(load="imtcp")`,
      `module(load="omczmq")`,
      `ruleset(name="to_zmq") { action(type="omczmq" socktype="PUSH" endpoints="tcp://127.0.0.1:${pullPort}") }`,
      `input(type="imtcp" address="127.0.0.1" port="${tcpPort}" ruleset="to_zmq")`,
      '',
    ].join('\n'),
  );
  const check = spawnSync(RSYSLOGD, ['-N1', '-f', conf], { encoding: 'utf8', timeout: 15_000 });
  if (check.status !== 0) throw new Error(`rsyslogd -N1 refused the config: ${check.stderr}`);
  return spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: 'ignore' });
}

async function connectTcp(port: number, timeoutMs: number): Promise<Socket> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port });
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(100);
    }
  }
}

/** Line numbers found per run tag ("r<run>"), and how often each was found, from every file the sink wrote. */
function readFound(outDir: string): Map<string, Map<number, number>> {
  const found = new Map<string, Map<number, number>>();
  for (const f of readdirSync(outDir)) {
    if (!/\.ndjson(\.gz)?$/.test(f)) continue;
    const raw = readFileSync(join(outDir, f));
    const text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) {
      const m = /"message":"restarts (r\d+) n(\d+)"/.exec(line);
      if (!m) continue;
      let run = found.get(m[1]);
      if (!run) found.set(m[1], (run = new Map()));
      const k = Number(m[2]);
      run.set(k, (run.get(k) ?? 0) + 1);
    }
  }
  return found;
}

function drainLogs(c: ChildCollector): string {
  const picked: string[] = [];
  for (const l of c.logs) {
    if (!/drain|unread/.test(l)) continue;
    try {
      const j = JSON.parse(l) as Record<string, unknown>;
      const { level: _l, time: _t, pid: _p, hostname: _h, ...rest } = j;
      picked.push(JSON.stringify(rest));
    } catch {
      picked.push(l);
    }
  }
  return picked.join(' ');
}

async function main(): Promise<void> {
  const o = options();
  const dir = mkdtempSync(join(tmpdir(), 'zlog-restarts-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  const pullPort = await freePort();
  const tcpPort = await freePort();
  const config = {
    inputs: [{ id: 'pull', type: 'zmq-pull', bind: [`tcp://127.0.0.1:${pullPort}`], format: 'syslog', receiver: o.receiver }],
    sinks: [{ id: 'file', type: 'file', path: out, compress: false }],
    http: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    drain: { timeoutSeconds: o.drainTimeout },
    log: { level: 'info' },
  };
  const args = o.set.flatMap((s) => ['--set', s]);
  const startCollector = () => startChildCollector({ config, configFile: join(dir, 'config.yaml'), args, readyTimeoutMs: 60_000 });
  console.log(`restarts: ${o.runs} runs of ${o.lines} lines (${o.batch} every ${o.everyMs} ms), SIGTERM after ${o.killAfter}, restart ${o.pauseMs} ms after exit; receiver ${o.receiver}; load1 ${loadavg()[0].toFixed(1)}; dir ${dir}`);
  let collector = await startCollector();
  const rsyslog = startRsyslog(dir, tcpPort, pullPort);
  const feed = await connectTcp(tcpPort, 15_000);
  let totalLost = 0;
  let totalDup = 0;
  let totalFed = 0;
  const perRun: { run: number; lost: number; duplicated: number; exit: string; drain: string }[] = [];
  try {
    for (let run = 1; run <= o.runs; run++) {
      const tag = `r${run}`;
      let fed = 0;
      let stopped: Promise<{ exit: string; drain: string }> | undefined;
      const t0 = Date.now();
      while (fed < o.lines) {
        const n = Math.min(o.batch, o.lines - fed);
        const ts = new Date().toISOString();
        let chunk = '';
        for (let i = 0; i < n; i++) chunk += `<14>1 ${ts} bench restarts - - - restarts ${tag} n${fed + i}\n`;
        if (!feed.write(chunk)) await new Promise((r) => feed.once('drain', r));
        fed += n;
        if (stopped === undefined && fed >= o.killAfter) {
          const old = collector;
          stopped = (async () => {
            const exit = await old.stop('SIGTERM', (o.drainTimeout + 20) * 1000);
            const drain = drainLogs(old);
            await sleep(o.pauseMs);
            collector = await startCollector();
            return { exit: exit.signal ?? String(exit.code), drain };
          })();
        }
        if (o.everyMs > 0) await sleep(o.everyMs);
      }
      const { exit, drain } = await (stopped ?? Promise.resolve({ exit: 'not stopped', drain: '' }));
      // The run's lines stop arriving: nothing new for 3 s (rsyslog holds what the collector could not take yet).
      let seen = -1;
      let quietSince = Date.now();
      const limit = Date.now() + 60_000;
      for (;;) {
        const n = readFound(out).get(tag)?.size ?? 0;
        if (n >= o.lines) break;
        if (n !== seen) {
          seen = n;
          quietSince = Date.now();
        } else if (Date.now() - quietSince > 3000 || Date.now() > limit) break;
        await sleep(250);
      }
      const lines = readFound(out).get(tag) ?? new Map<number, number>();
      let dup = 0;
      for (const c of lines.values()) dup += c - 1;
      const lost = o.lines - lines.size;
      totalLost += lost;
      totalDup += dup;
      totalFed += o.lines;
      perRun.push({ run, lost, duplicated: dup, exit, drain });
      console.log(`run ${String(run).padStart(2)}: lost ${String(lost).padStart(5)}, duplicated ${dup}, collector exit ${exit}, ${((Date.now() - t0) / 1000).toFixed(1)} s; ${drain}`);
    }
  } finally {
    feed.destroy();
    await collector.stop('SIGTERM', 30_000);
    rsyslog.kill('SIGTERM');
    await new Promise((r) => (rsyslog.exitCode !== null ? r(null) : rsyslog.once('exit', r)));
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  const withLoss = perRun.filter((r) => r.lost > 0).length;
  console.log(`total: ${totalFed} lines fed, ${totalLost} lost (${withLoss} of ${perRun.length} runs lost any; per run: ${perRun.map((r) => r.lost).join(',')}), ${totalDup} duplicated; load1 ${loadavg()[0].toFixed(1)}`);
  console.log(`RESTARTS_JSON ${JSON.stringify({ receiver: o.receiver, runs: perRun.length, fed: totalFed, lost: totalLost, duplicated: totalDup, perRunLost: perRun.map((r) => r.lost) })}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
