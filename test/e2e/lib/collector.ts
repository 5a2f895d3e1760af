// A real collector process (`zlog start`) for process-level tests: its own config file, data directory and
// loopback ports; stopped by PID. `command` lets the image test start the same CLI from a built image's files.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { repoRoot } from '../../cluster/bins.js';
import { freePort, httpGet, waitFor } from './ports.js';

export interface CollectorOptions {
  /** Directory for the config, the data and the log; created if missing. */
  dir: string;
  drainTimeoutSeconds?: number;
  /** Extra top-level config merged over the defaults written here (e.g. pipeline). */
  config?: Record<string, unknown>;
  /** argv before `start ...`; default [node, dist/collector/cli/main.js]. */
  command?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CollectorProcess {
  readonly pid: number;
  readonly nativeEndpoint: string;
  readonly pullEndpoint: string;
  readonly httpUrl: string;
  readonly httpPort: number;
  /** The loopback admin listener's port (POST /drain, GET /status; the preStop hook calls it). */
  readonly adminPort: number;
  readonly dataDir: string;
  readonly exited: Promise<Exit>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then wait for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<Exit>;
}

export async function startCollector(opts: CollectorOptions): Promise<CollectorProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const [nativePort, pullPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = join(opts.dir, 'data');
  const config = {
    inputs: [
      { id: 'native', type: 'zmq-router', bind: [`tcp://127.0.0.1:${nativePort}`] },
      { id: 'pull', type: 'zmq-pull', bind: [`tcp://127.0.0.1:${pullPort}`] },
    ],
    sinks: [{ id: 'file', type: 'file', path: dataDir }],
    http: { host: '127.0.0.1', port: httpPort },
    admin: { host: '127.0.0.1', port: adminPort },
    drain: { timeoutSeconds: opts.drainTimeoutSeconds ?? 20 },
    ...opts.config,
  };
  const configFile = join(opts.dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const command = opts.command ?? [process.execPath, join(repoRoot(), 'dist/collector/cli/main.js')];
  const child: ChildProcess = spawn(command[0], [...command.slice(1), 'start', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...opts.env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  if (child.pid === undefined) throw new Error(`could not start ${command.join(' ')}`);
  const pid = child.pid;
  const proc: CollectorProcess = {
    pid,
    nativeEndpoint: `tcp://127.0.0.1:${nativePort}`,
    pullEndpoint: `tcp://127.0.0.1:${pullPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpPort,
    adminPort,
    dataDir,
    exited,
    output: () => out,
    signal: (sig) => {
      if (!gone) process.kill(pid, sig);
    },
    stop: async (timeoutMs = 30_000) => {
      if (!gone) process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => !gone && process.kill(pid, 'SIGKILL'), timeoutMs);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
  try {
    await waitFor(`collector ${pid} /readyz`, async () => {
      if (gone) throw new Error(`collector exited early: ${out}`);
      return (await httpGet(`${proc.httpUrl}/readyz`, 1000)).status === 200;
    }, 30_000);
  } catch (e) {
    await proc.stop(5000);
    throw e;
  }
  return proc;
}

/** The `message` of every record the file sink wrote under dataDir (current and rotated, gzipped or not). */
export function readSinkMessages(dataDir: string): string[] {
  const messages: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dataDir);
  } catch {
    return messages;
  }
  for (const name of names.sort()) {
    const raw = readFileSync(join(dataDir, name));
    const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line) as { message?: unknown };
      if (typeof rec.message === 'string') messages.push(rec.message);
    }
  }
  return messages;
}
