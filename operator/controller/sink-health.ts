// Each LogServer's sink health in its status (status.sinks and the SinksHealthy condition), from what its running
// pods answer on GET /sinks (collector/sinks/health.ts; docs/sinks.md "Sink health").
//
// How it is fetched, and why this way: the operator asks the pods directly over the pod network, on the metrics
// port it already probes /readyz on (pod-health.ts). The API server's pods/proxy would need an RBAC grant that
// reaches every port of every pod and would put 200 LogServers' polling through the API server; a collector
// writing its own pod's annotations would need a token and write access to pods in every collector. The
// NetworkPolicy the operator renders admits its own namespace on the metrics port (manifests/networkpolicy.ts).
//
// Running pods, not only ready ones: a sink whose writes fail takes its pod out of the Service (readiness,
// collector/health/sinks.ts), and that is exactly when its health matters; ready pods are asked first.
//
// Bounds: one sweep at a time, every `intervalMs`; at most MAX_PODS running pods per LogServer, `concurrency`
// requests at once, each with a timeout; answers are kept per LogServer that has running pods (a map bounded by
// the pods the informer holds), reduced to what the status shows (error text without changing counts or time,
// fills in steps of 10%), and the LogServer is requeued only when that reduced answer changed.
import type { Logger } from 'pino';
import type { LogServerSpec, LogServerStatus } from '../api/types.js';
import { INSTANCE_LABEL } from '../manifests/common.js';
import { MAX_PODS, unreadyPods, type PodView } from './pod-health.js';
import { podGet } from './pod-http.js';
import type { ConditionInput } from './status.js';

/** What this file reads of one sink in a pod's GET /sinks answer (collector/sinks/health.ts SinkHealth). */
interface PodSinkReport {
  id: string;
  type: string;
  state: string;
  queue?: { bytes: number; maxBytes: number; batches: number; maxBatches: number } | null;
  buffer?: { bytes: number; maxBytes: number } | null;
  lastError?: { message: string } | null;
}

/** One pod's answer as kept: the error while failing, made stable, and the fills in steps of FILL_STEP percent. */
export interface PodSinks {
  pod: string;
  sinks: Array<{ id: string; type: string; failing: string | null; queuePercent: number | null; bufferPercent: number | null }>;
}

export type SinkStatus = NonNullable<LogServerStatus['sinks']>[number];

const FILL_STEP = 10;
const MAX_ERROR_CHARS = 256;
const PROBE_TIMEOUT_MS = 1000;
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * An error text that does not change while the cause stays the same: the HTTP sink's retry error starts with
 * counts of the current write ("3 of 40 records not stored yet: ..."), which would rewrite the status on every
 * write (seen on the real node: "sink vl: 100 of 100 records not stored yet: connect ECONNREFUSED ..."). At most
 * MAX_ERROR_CHARS characters.
 */
export function stableError(message: string): string {
  // The stage's error names the sink first ("sink vl: 3 of 40 records ..."); the status entry already does.
  return message.replace(/^sink \S+: /, '').replace(/\b\d+ of \d+ (records not stored yet: )/, '$1').slice(0, MAX_ERROR_CHARS);
}

/** `part` of `whole` in percent, rounded down to a multiple of FILL_STEP (null for a bound that is not positive). */
function percent(part: number, whole: number): number | null {
  if (!(whole > 0) || !Number.isFinite(part)) return null;
  return Math.max(0, Math.min(100, Math.floor((100 * part) / whole / FILL_STEP) * FILL_STEP));
}

/** A pod's GET /sinks body, checked and reduced (PodSinks); throws on a body of another shape. */
export function podSinksOf(pod: string, body: unknown): PodSinks {
  const list = (body as { sinks?: unknown })?.sinks;
  if (!Array.isArray(list)) throw new Error('no sinks list in the answer');
  const sinks = list.slice(0, 64).map((s: PodSinkReport) => {
    if (typeof s?.id !== 'string' || typeof s.type !== 'string' || typeof s.state !== 'string') throw new Error('a sink without id, type or state in the answer');
    const q = s.queue;
    const queuePercent = q ? Math.max(percent(q.bytes, q.maxBytes) ?? 0, percent(q.batches, q.maxBatches) ?? 0) : null;
    const failing = s.state === 'retrying' ? stableError(typeof s.lastError?.message === 'string' ? s.lastError.message : 'retrying') : null;
    return { id: s.id, type: s.type, failing, queuePercent, bufferPercent: s.buffer ? percent(s.buffer.bytes, s.buffer.maxBytes) : null };
  });
  return { pod, sinks };
}

/** status.sinks: per spec sink, what the pods that answered say (pure). */
export function summarizeSinks(spec: Pick<LogServerSpec, 'sinks'>, answers: readonly PodSinks[]): SinkStatus[] {
  const byPod = [...answers].sort((a, b) => a.pod.localeCompare(b.pod));
  return spec.sinks.map((s) => {
    const reports = byPod.flatMap((a) => a.sinks.filter((r) => r.id === s.name));
    const failing = reports.filter((r) => r.failing !== null);
    const max = (xs: Array<number | null>) => (xs.some((x) => x !== null) ? Math.max(...xs.filter((x): x is number => x !== null)) : undefined);
    const queue = max(reports.map((r) => r.queuePercent));
    const buffer = max(reports.map((r) => r.bufferPercent));
    return {
      name: s.name,
      type: s.type,
      podsReporting: reports.length,
      failingPods: failing.length,
      ...(failing.length ? { lastError: failing[0].failing as string } : {}),
      ...(queue !== undefined ? { queueFillPercent: queue } : {}),
      ...(buffer !== undefined ? { bufferFillPercent: buffer } : {}),
    };
  });
}

/**
 * SinksHealthy: False (reason SinkFailing) while a pod reports a failing sink, naming each such sink and the first
 * error; it is a condition of its own, so Ready (the pods' readiness) does not flap with a store's hiccups.
 */
export function sinksCondition(sinks: readonly SinkStatus[], generation: number): ConditionInput {
  const failing = sinks.filter((s) => s.failingPods > 0);
  if (failing.length === 0) {
    return { type: 'SinksHealthy', status: 'True', reason: 'SinksWriting', message: 'no pod asked reports a failing sink', observedGeneration: generation };
  }
  return {
    type: 'SinksHealthy',
    status: 'False',
    reason: 'SinkFailing',
    message: failing.map((s) => `sink ${s.name} (${s.type}) failing on ${s.failingPods}/${s.podsReporting} pods: ${s.lastError ?? ''}`).join('; '),
    observedGeneration: generation,
  };
}

/** Asks a pod's GET /sinks; its reduced answer, or undefined when it could not be asked or answered nonsense. */
export async function fetchPodSinks(pod: string, ip: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<PodSinks | undefined> {
  try {
    const res = await podGet(ip, port, '/sinks', timeoutMs, MAX_ANSWER_BYTES);
    if (res.status < 200 || res.status > 299) return undefined;
    return podSinksOf(pod, JSON.parse(res.body));
  } catch {
    return undefined;
  }
}

export interface SinkHealthOptions {
  log: Logger;
  /** Every LogServer's pods (pod-health.ts's informer). */
  pods(): readonly PodView[];
  /** The metrics port of LogServer `namespace/name`, undefined when it is gone or invalid. */
  portOf(namespace: string, name: string): number | undefined;
  /** LogServer `namespace/name` has a new answer. */
  changed(key: string): void;
  intervalMs?: number;
  concurrency?: number;
  fetch?: (pod: string, ip: string, port: number) => Promise<PodSinks | undefined>;
  /** Told after each sweep: its wall time in seconds, the pods asked and how many answered. */
  swept?(r: { seconds: number; asked: number; answered: number }): void;
}

/** The last reduced answers of each LogServer's running pods, refreshed by a background sweep. */
export class SinkHealth {
  /** Per LogServer (namespace/name) with running pods: the answers of the last sweep in which any pod answered. */
  private readonly answers = new Map<string, PodSinks[]>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  /** A sweep has finished since this process started: no answer now means no pod answered, not "not asked yet". */
  hasSwept = false;

  constructor(private readonly o: SinkHealthOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.o.intervalMs ?? 30_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** What the pods of LogServer `namespace/name` said last, from memory; undefined before any answered. */
  reports(namespace: string, name: string): readonly PodSinks[] | undefined {
    return this.answers.get(`${namespace}/${name}`);
  }

  /** LogServers with answers kept (tests check that nothing grows without bound). */
  get size(): number {
    return this.answers.size;
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    const start = performance.now();
    let asked = 0;
    let answered = 0;
    try {
      const unready = new Set(unreadyPods(this.o.pods()).map((p) => p.metadata.uid));
      const byOwner = new Map<string, PodView[]>();
      for (const p of this.o.pods()) {
        const owner = p.metadata.labels?.[INSTANCE_LABEL];
        if (!owner || p.status?.phase !== 'Running' || p.metadata.deletionTimestamp || !p.status?.podIP) continue;
        const key = `${p.metadata.namespace ?? ''}/${owner}`;
        byOwner.set(key, [...(byOwner.get(key) ?? []), p]);
      }
      // A LogServer without running pods (gone, scaled to zero, not started) has nothing to say.
      for (const key of [...this.answers.keys()]) {
        if (!byOwner.has(key)) {
          this.answers.delete(key);
          this.o.changed(key);
        }
      }
      const jobs: Array<{ key: string; pod: PodView; port: number }> = [];
      for (const [key, pods] of byOwner) {
        const [namespace, name] = key.split('/');
        const port = this.o.portOf(namespace, name);
        if (port === undefined) continue;
        const order = (p: PodView) => `${unready.has(p.metadata.uid) ? 1 : 0}${p.metadata.name}`;
        for (const pod of pods.sort((a, b) => order(a).localeCompare(order(b))).slice(0, MAX_PODS)) jobs.push({ key, pod, port });
      }
      const got = new Map<string, PodSinks[]>();
      const fetchOne = this.o.fetch ?? fetchPodSinks;
      let next = 0;
      const worker = async () => {
        while (next < jobs.length) {
          const j = jobs[next++];
          const a = await fetchOne(j.pod.metadata.name, j.pod.status!.podIP!, j.port);
          asked++;
          if (!a) continue;
          answered++;
          got.set(j.key, [...(got.get(j.key) ?? []), a]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 8, jobs.length) }, worker));
      for (const [key, list] of got) {
        list.sort((a, b) => a.pod.localeCompare(b.pod));
        if (JSON.stringify(this.answers.get(key)) === JSON.stringify(list)) continue;
        this.answers.set(key, list);
        this.o.changed(key);
      }
    } catch (err) {
      this.o.log.debug({ err: (err as Error).message }, 'sink health sweep failed');
    } finally {
      this.sweeping = false;
      this.hasSwept = true;
      this.o.swept?.({ seconds: (performance.now() - start) / 1000, asked, answered });
    }
  }
}
