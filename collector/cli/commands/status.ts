// `zlog status`: asks a running collector for its state over its loopback admin listener (GET /status) and prints it as a table, JSON or
// YAML (`-o`, as kubectl users type).
import { Option, type Command } from 'commander';
import YAML from 'yaml';
import { EXIT, exitWith, type Subcommand } from '../exit.js';
import { adminUrl, httpUrl } from '../flag-values.js';
import { fetchFailure } from '../reach.js';
import type { SinkHealth } from '../../sinks/health.js';

interface Status {
  ready: boolean;
  draining: boolean;
  pid: number;
  uptimeSeconds: number;
  inputs: { id: string; type: string; endpoints: string[] }[];
  sinks: SinkHealth[];
  queue: { records: number; bytes: number; maxRecords: number; maxBytes: number };
  ackMode: string;
  workers: number;
  /** The health monitor's last evaluation (collector/health/monitor.ts HealthSummary). */
  health?: { live: boolean; ready: boolean; memoryLimitBytes: number; memoryLimitSource: string; checks: HealthCheckRow[] };
}

interface HealthCheckRow {
  name: string;
  status: string;
  value: number;
  /** null for a check reported only, with no limit (connections). */
  threshold: number | null;
  unit: string;
  detail: string;
}

/** `elasticsearch retrying, queue 40/4096 batches 12000/67108864 bytes, buffer 0/1073741824 bytes, dead-letter 4039/4096 bytes (77 skipped), last error ...`. */
export function sinkRow(k: SinkHealth): string {
  const q = k.queue;
  const parts = [`${k.type} ${k.state}`, `queue ${q.batches}/${q.maxBatches} batches ${q.bytes}/${q.maxBytes} bytes${q.full ? ' FULL' : ''}`];
  if (k.buffer) parts.push(`buffer ${k.buffer.bytes}/${k.buffer.maxBytes} bytes${k.buffer.full ? ' FULL' : ''}`);
  // A collector older than the deadLetter field sends none: treated as no file.
  if (k.deadLetter) parts.push(`dead-letter ${k.deadLetter.bytes}/${k.deadLetter.maxBytes} bytes${k.deadLetter.skipped > 0 ? ` (${k.deadLetter.skipped} skipped)` : ''}`);
  if (k.lastError) parts.push(`last error ${k.lastError.time}: ${k.lastError.message}`);
  return parts.join(', ');
}

/** `zlog status` table rows for the health checks: one per check, failing ones marked. */
export function healthRows(h: NonNullable<Status['health']>): [string, string][] {
  return [
    ['health', `${h.live ? 'alive' : 'NOT ALIVE'}, ${h.ready ? 'ready' : 'NOT READY'} (memory limit ${h.memoryLimitBytes} bytes from ${h.memoryLimitSource})`],
    ...h.checks.map((c): [string, string] => [`check ${c.name}`, `${c.status === 'ok' ? 'ok' : c.status.toUpperCase()} ${c.threshold === null ? c.value : `${c.value}/${c.threshold}`} ${c.unit}: ${c.detail}`]),
  ];
}

const TIMEOUT_SECONDS = 5;

export const statusCommand: Subcommand = {
  register(program: Command) {
    program.command('status').description('show a running collector\'s state (exit 3 when unreachable)')
      .option('--url <url>', 'the collector\'s loopback admin address (default $ZLOG_ADMIN_URL or http://127.0.0.1:9091)', httpUrl)
      .addOption(new Option('-o, --format <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
      .action(async (flags: { url?: string; format: string }, c: Command) => exitWith(c, await status(flags.url ?? adminUrl(), flags.format)));
  },
};

async function status(url: string, format: string): Promise<number> {
  let s: Status;
  try {
    const res = await fetch(new URL('/status', url), { signal: AbortSignal.timeout(TIMEOUT_SECONDS * 1000) });
    if (res.status === 404) {
      // Something answered: most likely the collector's http listener (metrics and probes, default port 9090),
      // which has no /status. "unreachable: HTTP 404" hid the wrong --url.
      console.error(`zlog status: ${new URL('/status', url).href} answered HTTP 404: not the collector's admin listener (GET /status and POST /drain are on the loopback admin listener, default http://127.0.0.1:9091; the http listener, default port 9090, serves /metrics, /healthz, /readyz and /sinks); exit ${EXIT.unhealthy}`);
      return EXIT.unhealthy;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    s = (await res.json()) as Status;
  } catch (err) {
    console.error(`zlog status: collector at ${url} unreachable: ${fetchFailure(err, TIMEOUT_SECONDS)}`);
    return EXIT.unhealthy;
  }
  if (format === 'json') {
    console.log(JSON.stringify(s, null, 2));
    return EXIT.ok;
  }
  if (format === 'yaml') {
    process.stdout.write(YAML.stringify(s));
    return EXIT.ok;
  }
  const rows: [string, string][] = [
    ['state', s.draining ? 'draining' : s.ready ? 'ready' : 'not ready'],
    ['pid', String(s.pid)],
    ['uptime', `${s.uptimeSeconds}s`],
    ['ack mode', s.ackMode],
    ['workers', String(s.workers)],
    ['queue', `${s.queue.records}/${s.queue.maxRecords} records, ${s.queue.bytes}/${s.queue.maxBytes} bytes`],
    ...s.inputs.map((i): [string, string] => [`input ${i.id}`, `${i.type} ${i.endpoints.join(' ')}`]),
    ...s.sinks.map((k): [string, string] => [`sink ${k.id}`, sinkRow(k)]),
    ...(s.health ? healthRows(s.health) : []),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  return EXIT.ok;
}
