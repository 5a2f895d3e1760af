// The collector of the process-level and end-to-end tests: `zlog start` in a child process on a test default
// config, with helpers to read its metrics and its file sink. Always stopped by PID.
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildCollector, type ChildCollector } from '../../collector/cli/child-collector.js';
import { COLLECTOR_NODE_FLAGS } from '../../collector/cli/node-flags.js';
import { repoRoot } from '../cluster/bins.js';

export const REPO_ROOT = repoRoot();
export const CLI = join(REPO_ROOT, 'dist/collector/cli/main.js');

export interface CollectorProcess extends ChildCollector {
  /** The test's directory: config.yaml, and the file sink's directory unless the config moves it. */
  dir: string;
  /** The first sink's directory (its `path`). */
  dataDir: string;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Lines of the file sink's current file, parsed. */
  records(file?: string): Record<string, unknown>[];
}

/**
 * The real collector (collector/cli/child-collector.ts, the one way a collector is started) on a test default
 * config: wildcard ports on 127.0.0.1, a file sink in a temp dir; `config` replaces top-level sections.
 * `cgroup`: the collector starts inside that cgroup directory (a shell joins it, then becomes the collector).
 * `nofile`: the collector's RLIMIT_NOFILE, soft and hard (prlimit; Node raises the soft limit to the hard one).
 */
export async function startCollector(config: Record<string, unknown> = {}, opts: { dir?: string; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number; cgroup?: string; nofile?: number } = {}): Promise<CollectorProcess> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'zlog-test-'));
  mkdirSync(dir, { recursive: true });
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
  // With the image's Node.js flags (collector/cli/node-flags.ts), so the tests run the collector as it runs.
  const node = [process.execPath, ...COLLECTOR_NODE_FLAGS, CLI];
  const cli = opts.nofile ? ['prlimit', `--nofile=${opts.nofile}:${opts.nofile}`, '--', ...node] : node;
  const c = await startChildCollector({
    config: cfg,
    configFile: join(dir, 'config.yaml'),
    command: opts.cgroup ? ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', opts.cgroup, ...cli] : cli,
    env: { ...process.env, ...opts.env },
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
  });
  const dataDir = (cfg.sinks as { path?: string }[])[0]?.path ?? join(dir, 'out');
  return Object.assign(c, {
    dir,
    dataDir,
    async metric(name: string, labels: Record<string, string> = {}) {
      const text = await (await fetch(`${c.url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
        if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return sum;
    },
    records(file = join(dataDir, 'zlog.ndjson')) {
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  });
}

export function cleanup(c: CollectorProcess | undefined): void {
  if (!c) return;
  if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  rmSync(c.dir, { recursive: true, force: true });
}

export { waitFor } from './net.js';
