// Starts the real collector CLI (`zlog start`) as a child process for process-level tests, waits for its
// "collector ready" log line, and exposes its endpoints, metrics and exit. Always stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import YAML from 'yaml';
import { repoRoot } from '../cluster/bins.js';

export const REPO_ROOT = repoRoot();
export const CLI = join(REPO_ROOT, 'dist/collector/cli/main.js');

export interface CollectorProcess {
  proc: ChildProcess;
  pid: number;
  dir: string;
  /** Bound endpoints by input id (wildcard ports resolved). */
  endpoints: Record<string, string[]>;
  url: string;
  /** The loopback admin listener (POST /drain, GET /status). */
  adminUrl: string;
  /** stderr log lines so far (pino JSON). */
  logs: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Lines of the file sink's current file plus rotated uncompressed files, parsed. */
  records(file?: string): Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Config overrides are merged over a test default: wildcard ports on 127.0.0.1, file sink in a temp dir. */
export async function startCollector(config: Record<string, unknown> = {}, opts: { dir?: string; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number; cgroup?: string } = {}): Promise<CollectorProcess> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'zlog-test-'));
  const cfg = {
    inputs: [
      { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] },
      { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] },
    ],
    sinks: [{ id: 'file', type: 'file', path: join(dir, 'out') }],
    http: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    log: { level: 'info' },
    ...config,
  };
  const cfgPath = join(dir, 'config.yaml');
  writeFileSync(cfgPath, YAML.stringify(cfg));
  const argv = [process.execPath, CLI, 'start', '--config', cfgPath];
  // With a cgroup directory, the shell joins it (cgroup.procs) and then becomes the collector (same PID).
  const [cmd, ...args] = opts.cgroup ? ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', opts.cgroup, ...argv] : argv;
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  const logs: string[] = [];
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<{ endpoints: Record<string, string[]>; http: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector not ready within ${opts.readyTimeoutMs ?? 15000} ms; logs:\n${logs.join('\n')}`)), opts.readyTimeoutMs ?? 15000);
    void exit.then((e) => {
      clearTimeout(timer);
      reject(new Error(`collector exited during start (${JSON.stringify(e)}); logs:\n${logs.join('\n')}`));
    });
    createInterface({ input: proc.stderr! }).on('line', (line) => {
      logs.push(line);
      if (!line.includes('"collector ready"')) return;
      clearTimeout(timer);
      const j = JSON.parse(line) as { inputs: { id: string; endpoints: string[] }[]; http: string; admin: string };
      resolve({ endpoints: Object.fromEntries(j.inputs.map((i) => [i.id, i.endpoints])), http: j.http, admin: j.admin });
    });
  });
  proc.stdout!.resume();
  let r;
  try {
    r = await ready;
  } catch (err) {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    throw err;
  }
  const url = `http://${r.http}`;
  const outDir = (cfg.sinks as { path?: string }[])[0]?.path ?? join(dir, 'out');
  return {
    proc,
    pid: proc.pid!,
    dir,
    endpoints: r.endpoints,
    url,
    adminUrl: `http://${r.admin}`,
    logs,
    exit,
    async metric(name, labels = {}) {
      const text = await (await fetch(`${url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
        if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return sum;
    },
    records(file = join(outDir, 'zlog.ndjson')) {
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exit;
    },
  };
}

export function cleanup(c: CollectorProcess | undefined): void {
  if (!c) return;
  if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  rmSync(c.dir, { recursive: true, force: true });
}

export { waitFor } from './net.js';
