// Process-level helpers for the interop tests: real rsyslogd and Python emitters, real ZeroMQ sockets on
// 127.0.0.1, everything bounded in time and stopped by PID.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { defaultTopicFrame } from '../../collector/config/load.js';
import type { Framing, InputType, RecordFormat } from '../../collector/config/types.js';
import { processMessages } from '../../collector/pipeline/process-messages.js';
import type { LogRecord } from '../../collector/record.js';

export const RSYSLOGD = '/usr/sbin/rsyslogd';
export const OMCZMQ = '/usr/lib/x86_64-linux-gnu/rsyslog/omczmq.so';
/** Debian's python3 has pyzmq (python3-zmq); the pyenv python3 on PATH does not. */
export const PYTHON = '/usr/bin/python3';
export const FIXTURES = fileURLToPath(new URL('../../../test/interop/fixtures/', import.meta.url));

/** Why the emitter cannot run here (for t.skip), or undefined when it can. */
export function rsyslogMissing(): string | undefined {
  if (!existsSync(RSYSLOGD) || !existsSync(OMCZMQ)) return 'rsyslog + rsyslog-czmq not installed (bash scripts/install-system-deps.sh)';
  return undefined;
}

export function pyzmqMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import zmq.log.handlers'], { timeout: 10_000 });
  return r.status === 0 ? undefined : 'python3-zmq not installed (bash scripts/install-system-deps.sh)';
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `zlog-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export { freePort } from '../helpers/net.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls cond every 50 ms until it holds; throws with what() after timeoutMs. */
export async function waitUntil(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(50);
  }
}

/** A zeromq.js socket whose messages are collected in the background. */
export class Collected {
  readonly messages: Buffer[][] = [];
  private closed = false;
  private readonly loop: Promise<void>;

  constructor(readonly sock: zmq.Pull | zmq.Subscriber, readonly endpoint: string) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        this.messages.push(await this.sock.receive());
      } catch {
        return; // closed under us
      }
    }
  }

  /** Messages whose last frame contains marker. */
  matching(marker: string): Buffer[][] {
    return this.messages.filter((m) => m[m.length - 1].includes(marker));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sock.close();
    await this.loop;
  }
}

/** A PULL bound to a wildcard port on 127.0.0.1 (PUSH emitters connect to it). */
export async function bindPull(): Promise<Collected> {
  const sock = new zmq.Pull({ linger: 0 });
  await sock.bind('tcp://127.0.0.1:*');
  return new Collected(sock, sock.lastEndpoint ?? '');
}

/** A SUB connected to a PUB emitter's endpoint (ZeroMQ retries until the emitter binds). */
export function connectSub(endpoint: string, topics: readonly string[]): Collected {
  const sock = new zmq.Subscriber({ linger: 0 });
  sock.connect(endpoint);
  for (const t of topics) sock.subscribe(t);
  return new Collected(sock, endpoint);
}

export interface DecodeOptions {
  input: string;
  /** The input type the messages arrived on; topicFrame defaults as in the collector's config (on for zmq-sub). */
  type: InputType;
  framing?: Framing;
  format?: RecordFormat;
  topicFrame?: boolean;
  topics?: readonly string[];
  hostname?: string;
}

/** What a collector worker writes for these messages (the real ChunkProcessor), parsed back into records. */
export function decodeMessages(messages: readonly Buffer[][], o: DecodeOptions): LogRecord[] {
  return processMessages(messages, {
    id: o.input,
    type: o.type,
    framing: o.framing ?? 'frame',
    format: o.format ?? 'auto',
    topicFrame: o.topicFrame ?? defaultTopicFrame(o.type),
    topics: [...(o.topics ?? [''])],
  }, { hostname: o.hostname }).records;
}

/** A child process stopped by its PID. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
  stop(): Promise<void>;
}

export function startChild(cmd: string, args: readonly string[], opts: { cwd?: string; stdin?: boolean } = {}): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd, stdio: [opts.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = proc.pid;
  const stdout: string[] = [];
  const stderr: string[] = [];
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc, pid, stdout, stderr, exit,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      process.kill(pid, 'SIGTERM');
      const done = await Promise.race([exit.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        process.kill(pid, 'SIGKILL');
        await exit;
      }
    },
  };
}

/**
 * rsyslogd in the foreground with its own config, work directory and pid file (never the system instance).
 * The config is checked with `-N1` first so a typo fails with rsyslog's own message.
 */
export function startRsyslog(dir: string, config: string): Child {
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(conf, config);
  const check = spawnSync(RSYSLOGD, ['-N1', '-f', conf], { encoding: 'utf8', timeout: 15_000 });
  if (check.status !== 0) throw new Error(`rsyslog config rejected:\n${check.stdout}${check.stderr}\n${config}`);
  return startChild(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')]);
}

/** A TCP connection to rsyslog's imtcp, retried until it listens. */
export async function connectTcp(port: number, timeoutMs: number): Promise<NetSocket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<NetSocket>((resolve, reject) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

export function writeLines(sock: NetSocket, lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => sock.write(lines.map((l) => l + '\n').join(''), (err) => (err ? reject(err) : resolve())));
}

/** Timestamps for test records: RFC 3339 with microseconds, and RFC 3164, for a time ~1 minute ago. */
export function testTime(offsetMs: number, micros: number): { rfc3339: string; iso: string; rfc3164: string; iso3164: string } {
  const base = Math.floor((Date.now() - 60_000) / 1000) * 1000 + offsetMs;
  const d = new Date(base);
  const secIso = d.toISOString().slice(0, 19);
  const frac = '.' + String(d.getUTCMilliseconds() * 1000 + micros).padStart(6, '0');
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return {
    rfc3339: `${secIso}${frac}+00:00`,
    iso: `${secIso}${frac}Z`,
    rfc3164: `${months[d.getUTCMonth()]} ${day} ${secIso.slice(11, 19)}`,
    iso3164: `${secIso}Z`,
  };
}
