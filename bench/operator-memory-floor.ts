// Benchmark (not a test): the collector's memory floor, which sets the smallest resources.limits.memory the
// operator admits (operator/api/rules.ts MEMORY_FLOOR). Runs the collector with the config the operator renders
// for a LogServer with that memory limit (default inputs and file sink; the queue derived from the limit), and
// prints its RSS after start, after a small load through the native protocol, and its peak.
//   node dist/bench/operator-memory-floor.js [--limit 128Mi] [--records 20000] [--size 1024]
// A pod is Ready only while RSS stays below health.memory.warningRatio (0.8) of its limit.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchArgs } from './cli.js';
import { renderCollectorConfig } from '../operator/api/collector-config.js';
import { parseQuantity } from '../operator/api/quantity.js';
import { validateSpec } from '../operator/api/validate.js';
import { repoRoot } from '../test/cluster/bins.js';
import { freePort } from '../test/helpers/net.js';

const USAGE = `usage: node dist/bench/operator-memory-floor.js [--limit 128Mi] [--records 20000] [--size 1024]
  The collector with the config the operator renders for a LogServer with memory limit --limit: its RSS after
  start, after --records records of --size bytes through the native protocol, and its peak (docs/operator.md).`;
const { values } = benchArgs(USAGE, { options: { limit: { type: 'string', default: '128Mi' }, records: { type: 'string', default: '20000' }, size: { type: 'string', default: '1024' } } });

/** VmRSS and VmHWM (peak) of a process, MiB. */
function rss(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (f: string) => Number(new RegExp(`${f}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
  return { rss: Number((kb('VmRSS') / 1024).toFixed(1)), peak: Number((kb('VmHWM') / 1024).toFixed(1)) };
}

async function main(): Promise<void> {
  const v = validateSpec({ resources: { limits: { memory: values.limit } } });
  // Below the floor the spec is refused; the collector config it would get is still what is measured.
  const spec = v.ok ? v.spec : (() => {
    const d = validateSpec({});
    if (!d.ok) throw new Error('the empty spec is invalid');
    return { ...d.spec, resources: { limits: { memory: values.limit! } } };
  })();
  const cfg = renderCollectorConfig(spec);
  const dir = mkdtempSync(join(tmpdir(), 'zlog-floor-'));
  for (const i of cfg.inputs) i.bind = [`tcp://127.0.0.1:${await freePort()}`];
  for (const s of cfg.sinks) if (s.type === 'file') s.path = join(dir, 'file');
  cfg.http = { ...cfg.http, host: '127.0.0.1', port: await freePort() };
  cfg.admin = { ...cfg.admin, host: '127.0.0.1', port: await freePort() };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  const cli = join(repoRoot(), 'dist/collector/cli/main.js');
  const collector = spawn(process.execPath, [cli, 'start', '--config', join(dir, 'config.json')], { stdio: 'ignore' });
  try {
    await sleep(8000);
    const idle = rss(collector.pid!);
    const endpoint = cfg.inputs.find((i) => i.type === 'zmq-router')!.bind[0];
    const bench = await new Promise<string>((resolve) =>
      execFile(process.execPath, [cli, 'bench', '--endpoint', endpoint, '--records', values.records!, '--size', values.size!, '--batch', '100', '--format', 'json'], (err, out) => resolve(out || String(err))),
    );
    const loaded = rss(collector.pid!);
    await sleep(3000);
    const settled = rss(collector.pid!);
    console.log(
      JSON.stringify(
        {
          limit: values.limit,
          queueMaxBytes: cfg.pipeline.queue.maxBytes,
          idleRssMiB: idle.rss,
          afterLoadRssMiB: loaded.rss,
          settledRssMiB: settled.rss,
          peakRssMiB: settled.peak,
          readyBelowMiB: Number(((0.8 * (parseQuantity(values.limit!) ?? NaN)) / 2 ** 20).toFixed(1)),
          bench: JSON.parse(bench) as unknown,
        },
        null,
        2,
      ),
    );
  } finally {
    collector.kill('SIGTERM');
    await new Promise((r) => collector.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
