// `zlog status` and `zlog health-check`: ask a running collector over its HTTP endpoint.
import { failingChecks, healthExitCode, HEALTH_EXIT } from '../health/exit-codes.js';

export async function healthCheck(url: string, ready: boolean, timeoutSeconds: number): Promise<number> {
  const path = ready ? '/readyz' : '/healthz';
  try {
    const res = await fetch(new URL(path, url), { signal: AbortSignal.timeout(Math.max(0.1, timeoutSeconds) * 1000) });
    const body = (await res.text()).trim();
    if (res.ok) {
      console.log(`${path}: ${body}`);
      return 0;
    }
    const failing = failingChecks(body);
    const code = healthExitCode(failing);
    console.error(`${path}: HTTP ${res.status} ${body}`);
    console.error(`zlog health-check: failing ${failing.join(', ') || 'unknown'}; exit ${code}`);
    return code;
  } catch (err) {
    console.error(`${path}: collector at ${url} unreachable: ${(err as Error).message}`);
    return HEALTH_EXIT.unhealthy;
  }
}

interface Status {
  ready: boolean;
  draining: boolean;
  pid: number;
  uptimeSeconds: number;
  inputs: { id: string; type: string; endpoints: string[] }[];
  sinks: { id: string; type: string; failing: string | null }[];
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
  threshold: number;
  unit: string;
  detail: string;
}

/** `zlog status` table rows for the health checks: one per check, failing ones marked. */
export function healthRows(h: NonNullable<Status['health']>): [string, string][] {
  return [
    ['health', `${h.live ? 'alive' : 'NOT ALIVE'}, ${h.ready ? 'ready' : 'NOT READY'} (memory limit ${h.memoryLimitBytes} bytes from ${h.memoryLimitSource})`],
    ...h.checks.map((c): [string, string] => [`check ${c.name}`, `${c.status === 'ok' ? 'ok' : c.status.toUpperCase()} ${c.value}/${c.threshold} ${c.unit}: ${c.detail}`]),
  ];
}

export async function status(url: string, format: string): Promise<number> {
  if (format !== 'json' && format !== 'table') {
    console.error(`zlog status: --format must be json or table, not "${format}"`);
    return 2;
  }
  let s: Status;
  try {
    const res = await fetch(new URL('/status', url), { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    s = (await res.json()) as Status;
  } catch (err) {
    console.error(`zlog status: collector at ${url} unreachable: ${(err as Error).message}`);
    return 3;
  }
  if (format === 'json') {
    console.log(JSON.stringify(s, null, 2));
    return 0;
  }
  const rows: [string, string][] = [
    ['state', s.draining ? 'draining' : s.ready ? 'ready' : 'not ready'],
    ['pid', String(s.pid)],
    ['uptime', `${s.uptimeSeconds}s`],
    ['ack mode', s.ackMode],
    ['workers', String(s.workers)],
    ['queue', `${s.queue.records}/${s.queue.maxRecords} records, ${s.queue.bytes}/${s.queue.maxBytes} bytes`],
    ...s.inputs.map((i): [string, string] => [`input ${i.id}`, `${i.type} ${i.endpoints.join(' ')}`]),
    ...s.sinks.map((k): [string, string] => [`sink ${k.id}`, `${k.type}${k.failing ? ` FAILING: ${k.failing}` : ' ok'}`]),
    ...(s.health ? healthRows(s.health) : []),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  return 0;
}
