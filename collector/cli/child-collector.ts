// `zlog start` in a child process, ready when it logs "collector ready" (which carries every input's bound
// endpoints, wildcard ports resolved, and the HTTP and admin addresses). The one way zlog starts a collector of
// its own: `zlog bench` without --endpoint, the process-level tests (test/helpers/collector-process.ts) and
// `make bench` (bench/run.ts). Always stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildCollectorOptions {
  /** Written as YAML to `configFile` and passed as `--config`. */
  config?: Record<string, unknown>;
  /** Where `config` is written (required with it), or an existing file to pass as `--config`. */
  configFile?: string;
  /** More `start` flags (`--set k=v`, `--metrics-port N`). The child must log JSON at level info or below. */
  args?: readonly string[];
  /** argv before `start`; default this build's CLI under the running Node: [node, dist/collector/cli/main.js]. */
  command?: readonly string[];
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds to wait for "collector ready" (default 30 000); then the child is killed and start rejects. */
  readyTimeoutMs?: number;
  /** Called with each stderr line (pino JSON) as it arrives, e.g. to forward warnings to a terminal. */
  onLog?: (line: string) => void;
}

export interface ChildCollector {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Bound endpoints by input id, as the collector logged them (wildcard ports resolved). */
  readonly endpoints: Record<string, string[]>;
  /** http://HOST:PORT of metrics and probes, and of the loopback admin listener (POST /drain, GET /status). */
  readonly url: string;
  readonly adminUrl: string;
  readonly httpPort: number;
  readonly adminPort: number;
  /** stderr lines so far, oldest dropped first beyond MAX_LOG_LINES so a long run stays bounded. */
  readonly logs: string[];
  readonly exit: Promise<ChildExit>;
  /** stdout and stderr so far, the last MAX_OUTPUT_CHARS characters. */
  output(): string;
  /** Sends a signal unless the child has exited. */
  signal(sig: NodeJS.Signals): void;
  /** Sends `signal` (default SIGTERM: the collector drains), SIGKILL after killAfterMs (default 30 s); resolves with the exit. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<ChildExit>;
}

export const MAX_LOG_LINES = 20_000;
export const MAX_OUTPUT_CHARS = 1 << 20;

/** The CLI entry point of the build this module belongs to. */
export const CLI_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

interface Ready {
  inputs: { id: string; endpoints: string[] }[];
  http: string;
  admin: string;
}

/** Starts the collector and resolves once it is ready; rejects (the child killed) if it exits or times out first. */
export async function startChildCollector(o: ChildCollectorOptions = {}): Promise<ChildCollector> {
  const args = ['start', ...(o.args ?? [])];
  if (o.config !== undefined) {
    if (o.configFile === undefined) throw new Error('startChildCollector: config needs a configFile to be written to');
    writeFileSync(o.configFile, YAML.stringify(o.config));
  }
  if (o.configFile !== undefined) args.push('--config', o.configFile);
  const [cmd, ...pre] = o.command ?? [process.execPath, CLI_MAIN];
  const proc = spawn(cmd, [...pre, ...args], { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = proc.pid;
  let out = '';
  const keep = (s: string): void => {
    out += s;
    if (out.length > 2 * MAX_OUTPUT_CHARS) out = out.slice(-MAX_OUTPUT_CHARS);
  };
  const output = (): string => out.slice(-MAX_OUTPUT_CHARS);
  const logs: string[] = [];
  let gone = false;
  const exit = new Promise<ChildExit>((resolve) =>
    proc.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  proc.stdout!.setEncoding('utf8').on('data', keep);
  const timeoutMs = o.readyTimeoutMs ?? 30_000;
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector ${pid} not ready within ${timeoutMs} ms; output:\n${output()}`)), timeoutMs);
    void exit.then((e) => {
      clearTimeout(timer);
      reject(new Error(`collector ${pid} exited during start (${JSON.stringify(e)}); output:\n${output()}`));
    });
    createInterface({ input: proc.stderr! }).on('line', (line) => {
      keep(`${line}\n`);
      logs.push(line);
      if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
      o.onLog?.(line);
      if (!line.includes('"collector ready"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as Ready);
    });
  });
  const signal = (sig: NodeJS.Signals): void => {
    if (gone) return;
    try {
      process.kill(pid, sig);
    } catch (err) {
      // Exited and reaped, its exit event not yet delivered: nothing left to signal.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  const stop = async (sig: NodeJS.Signals = 'SIGTERM', killAfterMs = 30_000): Promise<ChildExit> => {
    signal(sig);
    const timer = setTimeout(() => signal('SIGKILL'), killAfterMs);
    const e = await exit;
    clearTimeout(timer);
    return e;
  };
  let r: Ready;
  try {
    r = await ready;
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  const port = (hostPort: string): number => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
  return {
    proc,
    pid,
    endpoints: Object.fromEntries(r.inputs.map((i) => [i.id, i.endpoints])),
    url: `http://${r.http}`,
    adminUrl: `http://${r.admin}`,
    httpPort: port(r.http),
    adminPort: port(r.admin),
    logs,
    exit,
    output,
    signal,
    stop,
  };
}
