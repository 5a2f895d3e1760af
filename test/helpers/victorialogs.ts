// Starts the real VictoriaLogs binary (built by test/cluster/build-bins.sh) for sink tests: a single node, a
// storage node, or a front node routing to storage nodes (-storageNode), each on a free loopback port with its
// own data directory, and stopped by PID. Queries go through LogsQL (POST /select/logsql/query).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath } from '../cluster/bins.js';
import { freePort, waitFor } from './net.js';
import { skipUnless } from './requirement.js';

export interface VictoriaLogs {
  proc: ChildProcess;
  pid: number;
  port: number;
  /** http://HOST:PORT (HOST 127.0.0.1 unless `host` was given) */
  url: string;
  dataDir: string;
  /** Output of the process so far (for failure messages). */
  output: string[];
  /** LogsQL query; returns the matching rows (one JSON object each). */
  query(logsql: string, limit?: number): Promise<Record<string, string>[]>;
  /** Count of rows matching the LogsQL filter (`FILTER | stats count() n`). */
  count(filter: string): Promise<number>;
  /** Stops the process by PID (SIGTERM, or the given signal) and waits for its exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data directory (after stop). */
  restart(): Promise<VictoriaLogs>;
  /** Stops it (SIGKILL if still running) and deletes its data directory. */
  cleanup(): Promise<void>;
}

export interface VictoriaLogsOptions {
  /** Storage nodes (host:port) to route inserts and selects to: this node then stores nothing itself. */
  storageNodes?: string[];
  /** Reuse a data directory (a restart). */
  dataDir?: string;
  port?: number;
  /** Address to listen on (default 127.0.0.1), e.g. a real node's host address that its pods reach. */
  host?: string;
  extraArgs?: string[];
}

/** Path of the built binary; throws naming `make test-bins` when it is missing. */
export function victoriaLogsBin(): string {
  return binPath('victoria-logs');
}

/** The `skip` option of a test that needs VictoriaLogs: the reason it is missing, or false (CI: throws instead). */
export function skipWithoutVictoriaLogs(): string | false {
  let missing: string | false = false;
  try {
    victoriaLogsBin();
  } catch (err) {
    missing = (err as Error).message;
  }
  return skipUnless(missing);
}

export async function startVictoriaLogs(opts: VictoriaLogsOptions = {}): Promise<VictoriaLogs> {
  const bin = victoriaLogsBin();
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'zlog-vl-'));
  const args = [
    `-httpListenAddr=${opts.host ?? '127.0.0.1'}:${port}`,
    `-storageDataPath=${dataDir}`,
    '-retentionPeriod=100y',
    '-loggerLevel=WARN',
    ...(opts.storageNodes?.length ? [`-storageNode=${opts.storageNodes.join(',')}`] : []),
    ...(opts.extraArgs ?? []),
  ];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (b: Buffer) => {
    output.push(b.toString());
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  try {
    await waitFor(`VictoriaLogs on ${url} (output: ${output.join('').slice(-2000)})`, async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`exited: ${output.join('').slice(-2000)}`);
      const r = await fetch(`${url}/health`);
      return r.ok;
    }, 30_000, 100);
  } catch (err) {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    throw err;
  }
  const vl: VictoriaLogs = {
    proc,
    pid: proc.pid!,
    port,
    url,
    dataDir,
    output,
    async query(logsql, limit = 100_000) {
      const r = await fetch(`${url}/select/logsql/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: logsql, limit: String(limit) }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`LogsQL ${JSON.stringify(logsql)} failed: HTTP ${r.status}: ${text.slice(0, 500)}`);
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, string>);
    },
    async count(filter) {
      const rows = await vl.query(`${filter} | stats count() n`);
      return rows.length ? Number(rows[0].n) : 0;
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid!, signal);
      await exited;
    },
    restart() {
      return startVictoriaLogs({ ...opts, port, dataDir });
    },
    async cleanup() {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid!, 'SIGKILL');
      await exited;
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return vl;
}

/**
 * Makes recent inserts visible to queries. VictoriaLogs makes ingested rows searchable within about a second;
 * its documented `/internal/force_flush` endpoint does it at once.
 */
export async function forceFlush(vl: VictoriaLogs): Promise<void> {
  const r = await fetch(`${vl.url}/internal/force_flush`);
  if (!r.ok) throw new Error(`force_flush on ${vl.url}: HTTP ${r.status}`);
}
