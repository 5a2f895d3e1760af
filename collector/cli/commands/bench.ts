// `zlog bench`: load for the native protocol. Without --endpoint it starts its own collector (`zlog start` in a
// child process) writing into a temporary directory that is removed afterwards (--dir keeps the files there), so
// a bench never writes into the user's ./data. Prints a summary for people, or JSON with --format json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { runBench, runBenchPrebuilt, type BenchResult } from '../bench.js';
import { startChildCollector } from '../child-collector.js';
import { EXIT, exitWith, type Subcommand } from '../exit.js';
import { positiveInt, positiveSeconds } from '../flag-values.js';
import { progress } from '../progress.js';
import { tcpProbe } from '../reach.js';
import { curveFromFlags, curveOptions, type CurveFlags } from './curve-flags.js';
import { zmqEndpoint } from './endpoint.js';

interface Flags extends CurveFlags {
  endpoint?: string;
  dir?: string;
  records: number;
  size: number;
  batch: number;
  seconds: number;
  prebuilt?: boolean;
  spread?: boolean;
  format: 'text' | 'json';
}

export const benchCommand: Subcommand = {
  register(program: Command) {
    curveOptions(program.command('bench')).description('measure records/s and send-to-ack latency over the native protocol')
      .option('--endpoint <endpoint>', 'bench a running collector here instead of starting one', zmqEndpoint)
      .option('--dir <dir>', 'without --endpoint: write the started collector\'s files here and keep them (default: a temporary directory, removed)')
      .option('--records <n>', 'records to send', positiveInt, 1_000_000)
      .option('--size <bytes>', 'bytes per record', positiveInt, 100)
      .option('--batch <records>', 'records per batch', positiveInt, 1000)
      .option('--seconds <s>', 'stop sending after this long', positiveSeconds, 30)
      .option('--spread', 'with --endpoint: connect to every address its name resolves to and spread batches over them')
      .option('--prebuilt', 'identical pre-encoded batches: measures the collector, not the sender')
      .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'))
      .action(async (flags: Flags, c: Command) => exitWith(c, await bench(flags)));
  },
};

async function bench(o: Flags): Promise<number> {
  if (o.spread && (o.endpoint === undefined || o.prebuilt)) {
    console.error('zlog bench: --spread needs --endpoint and does not go with --prebuilt (one PUSH socket)');
    return EXIT.usage;
  }
  let collector: Awaited<ReturnType<typeof startOwnCollector>> | undefined;
  if (o.endpoint === undefined) collector = await startOwnCollector(o.dir);
  const endpoint = o.endpoint ?? collector!.endpoint;
  let result: BenchResult;
  try {
    const cause = await tcpProbe(endpoint, 2000);
    if (cause !== undefined) {
      console.error(`zlog bench: cannot reach the collector at ${endpoint}: ${cause}`);
      return EXIT.failure;
    }
    const shown = progress('zlog bench');
    const opts = { endpoint, records: o.records, size: o.size, batch: o.batch, seconds: o.seconds, curve: curveFromFlags(o), spread: o.spread, onProgress: (n: number) => shown.update(n) };
    result = o.prebuilt ? await runBenchPrebuilt(opts) : await runBench(opts);
    shown.done();
  } finally {
    await collector?.stop();
  }
  const rounded = round(result);
  if (o.format === 'json') console.log(JSON.stringify(rounded));
  else console.log(summary(rounded, o, collector?.dir));
  return result.failed > 0 ? EXIT.failure : EXIT.ok;
}

function round(r: BenchResult): BenchResult {
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    ...r,
    seconds: Math.round(r.seconds * 1000) / 1000,
    recordsPerSecond: Math.round(r.recordsPerSecond),
    mibPerSecond: r1(r.mibPerSecond),
    latencyMs: { p50: r1(r.latencyMs.p50), p99: r1(r.latencyMs.p99), max: r1(r.latencyMs.max) },
  };
}

function summary(r: BenchResult, o: Flags, dir: string | undefined): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const where = o.endpoint ?? `a collector started for this run (files in ${dir}${o.dir === undefined ? ', removed' : ''})`;
  return [
    `zlog bench: ${n(r.acked)} of ${n(r.records)} records of ${o.size} B acknowledged in ${r.seconds} s${o.prebuilt ? ' (pre-encoded batches)' : ''}`,
    `  throughput  ${n(r.recordsPerSecond)} records/s, ${r.mibPerSecond} MiB/s`,
    `  ack latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`,
    `  failed      ${n(r.failed)} records, ${n(r.retries)} retries`,
    `  target      ${where}`,
  ].join('\n');
}

/**
 * `zlog start` in a child process: one native input on a free loopback port, a file sink in dir (or a new
 * temporary one, removed by stop()). Its warnings and errors go to this terminal; info lines are dropped.
 */
async function startOwnCollector(dir: string | undefined): Promise<{ endpoint: string; dir: string; stop(): Promise<void> }> {
  const out = dir ?? mkdtempSync(join(tmpdir(), 'zlog-bench-'));
  const inputs = JSON.stringify([{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] }]);
  const sinks = JSON.stringify([{ id: 'file', type: 'file', path: out }]);
  let child;
  try {
    child = await startChildCollector({
      args: ['--set', `inputs=${inputs}`, '--set', `sinks=${sinks}`, '--set', 'admin.port=0', '--metrics-port', '0', '--log-level', 'info'],
      onLog: (line) => {
        if (levelOf(line) >= PINO_WARN) process.stderr.write(`${line}\n`);
      },
    });
  } catch (err) {
    if (dir === undefined) rmSync(out, { recursive: true, force: true });
    throw new Error(`the collector started for the bench did not become ready: ${(err as Error).message}`);
  }
  const c = child;
  return {
    endpoint: c.endpoints.native[0],
    dir: out,
    stop: async () => {
      await c.stop();
      if (dir === undefined) rmSync(out, { recursive: true, force: true });
    },
  };
}

/** pino's numeric level of `warn`. */
const PINO_WARN = 40;

/** A pino line's level; a line that is not pino JSON (a Node warning) counts as a warning. */
function levelOf(line: string): number {
  try {
    return (JSON.parse(line) as { level?: number }).level ?? PINO_WARN;
  } catch {
    return PINO_WARN;
  }
}
