// Why a LogServer's pods are not ready, in the collector's own words. The kubelet's Ready condition only says
// "containers with unready status", so the operator asks an unready pod's /readyz, whose 503 body names the
// failing checks ("[-]sink:file failed: ...", collector/health/evaluate.ts).
//
// None of it happens inside a reconcile: the pods come from an informer, and a background sweep probes the pods
// that have stayed unready past a grace period (a pod that is merely starting is not worth a request, and an
// unreachable pod IP would hold a worker for the whole probe timeout). A probe whose answer differs from the
// last one requeues the pod's LogServer, whose reconcile then reads the answer from memory. This is the shape
// of the kubelet's own prober (results kept per pod, read by the status manager) rather than a call per sync.
import type { Logger } from 'pino';
import { INSTANCE_LABEL } from '../manifests/common.js';
import { TEMPLATE_HASH_ANNOTATION } from '../manifests/deployment.js';
import { Informer, objectKey } from './informer.js';
import type { Kube, KubeObject } from './kube.js';
import { podGet } from './pod-http.js';

/** Pods named per LogServer in the Ready message (and probed per sweep). */
export const MAX_PODS = 3;
const PROBE_TIMEOUT_MS = 1000;
/** A /readyz answer lists one line per check: a few hundred bytes. More is not read. */
const MAX_READYZ_BYTES = 64 * 1024;

export interface PodView extends KubeObject {
  status?: { podIP?: string; phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }> };
}

export interface UnreadyPod {
  pod: string;
  reason: string;
  /** Set when the scheduler cannot place the pod (PodScheduled=False): the scheduler's message. */
  unschedulable?: string;
}

/**
 * The scheduler's reason a pod has no node ("0/1 nodes are available: pod has unbound immediate
 * PersistentVolumeClaims..."), from its PodScheduled condition (reason Unschedulable or SchedulingGated).
 */
export function unschedulableMessage(p: PodView): string | undefined {
  const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
  if (!c || c.status !== 'False') return undefined;
  return c.message || c.reason || 'not scheduled';
}

/**
 * What the pod cache keeps of a pod: what this file and the Ready count read (identity, labels, deletion,
 * creation; IP, phase and conditions). A pod's spec (containers, volumes, probes) and the rest of its status are
 * most of its size and never read; 200 LogServers' pods are kept at once.
 */
export function podView(o: KubeObject): KubeObject {
  const p = o as PodView;
  const { name, namespace, uid, resourceVersion, labels, annotations, deletionTimestamp, creationTimestamp } = p.metadata;
  const template = annotations?.[TEMPLATE_HASH_ANNOTATION];
  const status = p.status && {
    podIP: p.status.podIP,
    phase: p.status.phase,
    conditions: p.status.conditions?.map(({ type, status: s, reason, message, lastTransitionTime }) => ({ type, status: s, reason, message, lastTransitionTime })),
  };
  return { apiVersion: p.apiVersion, kind: p.kind, metadata: { name, namespace, uid, resourceVersion, labels, ...(template !== undefined ? { annotations: { [TEMPLATE_HASH_ANNOTATION]: template } } : {}), deletionTimestamp, creationTimestamp }, ...(status ? { status } : {}) } as PodView;
}

export interface PodCounts {
  ready: number;
  stale: number;
}

/** Pure: see PodHealth.countByTemplate. */
export function podCounts(pods: readonly PodView[], templateHash: string): PodCounts {
  let ready = 0;
  let stale = 0;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (p.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION] !== templateHash) stale++;
    else if (unreadyPods([p]).length === 0) ready++;
  }
  return { ready, stale };
}

/** Pods whose Ready condition is not True, by name (the order in the status is stable). */
export function unreadyPods(pods: readonly PodView[]): PodView[] {
  return pods.filter((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * The failing checks a collector's /readyz body names ("[-]sink:file failed: ..." -> "sink:file"). Names only:
 * the details carry changing numbers, and a condition message that changes on every reconcile would rewrite
 * the status (and wake the operator) forever. `zlog health-check --ready` in the pod shows the details.
 */
export function readyzReasons(body: string): string[] {
  return [...body.matchAll(/^\[-\](\S+) failed: /gm)].map((m) => m[1]).slice(0, 10);
}

/** One line for the Ready condition's message. */
export function describeUnready(list: readonly UnreadyPod[], total: number): string {
  const more = total > list.length ? `; ${total - list.length} more not ready` : '';
  return list.map((u) => `pod ${u.pod} not ready: ${u.reason}`).join('; ') + more;
}

/** What the pod's own condition says, when its /readyz cannot be asked or names nothing. */
export function conditionReason(p: PodView): string {
  if (p.metadata.deletionTimestamp) return 'terminating';
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return `no Ready condition yet (phase ${p.status?.phase ?? 'unknown'})`;
  return [c.reason, c.message].filter(Boolean).join(': ') || 'Ready=False';
}

/** Since when (ms since the epoch) the pod has not been ready: its Ready condition's last change, else its creation. */
export function unreadySince(p: PodView): number {
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  const at = Date.parse(c?.lastTransitionTime ?? p.metadata.creationTimestamp ?? '');
  return Number.isNaN(at) ? 0 : at;
}

/** Asks a pod's /readyz; the failing checks it names, or why it could not be asked. */
export async function probeReadyz(ip: string, port: number): Promise<{ checks: string[] } | { error: string }> {
  try {
    const res = await podGet(ip, port, '/readyz', PROBE_TIMEOUT_MS, MAX_READYZ_BYTES);
    return { checks: res.status >= 200 && res.status <= 299 ? [] : readyzReasons(res.body) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export interface PodHealthOptions {
  kube: Kube;
  log: Logger;
  namespace?: string;
  /** The metrics port of the LogServer `namespace/name` (its /readyz), undefined when it is gone. */
  portOf(namespace: string, name: string): number | undefined;
  /** The LogServer `namespace/name` has news about its pods. */
  changed(key: string): void;
  /** A pod is probed once it has been unready this long (ms). */
  graceMs?: number;
  /** How often unready pods are looked at (ms). */
  sweepMs?: number;
  /** Probes at once. */
  concurrency?: number;
  probe?: typeof probeReadyz;
  watchBackoffMs?: { initial: number; max: number };
  onWatchError?: () => void;
}

/** The pods of every LogServer (one informer) and the last /readyz answer of each unready one. */
export class PodHealth {
  readonly informer: Informer<PodView>;
  /** Last probe answer per pod (namespace/name), only for pods that are unready; bounded by the pods watched. */
  private readonly answers = new Map<string, { uid: string | undefined; reason: string }>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(private readonly o: PodHealthOptions) {
    const forget = (p: PodView) => {
      if (this.answers.delete(objectKey(p))) this.changed(p);
    };
    this.informer = new Informer<PodView>(
      o.kube,
      { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespace: o.namespace },
      {
        // A pod that became ready (or went away) takes its stale answer with it.
        update: (old, p) => {
          // Readiness changed: the LogServer counts its ready pods itself (readyFromPods), so tell it now.
          if (unreadyPods([old]).length !== unreadyPods([p]).length) this.changed(p);
          if (unreadyPods([p]).length === 0) forget(p);
          // The scheduler gave up on the pod (or placed it after all): news for the LogServer's Degraded condition.
          else if (unschedulableMessage(old) !== unschedulableMessage(p)) this.changed(p);
        },
        add: (p) => {
          if (unschedulableMessage(p) !== undefined) this.changed(p);
        },
        delete: forget,
      },
      // Every LogServer's pods carry the instance label (manifests/common.ts commonLabels).
      {
        log: o.log,
        labelSelector: `app.kubernetes.io/name=zlog,${INSTANCE_LABEL}`,
        keep: podView,
        initialBackoffMs: o.watchBackoffMs?.initial,
        maxBackoffMs: o.watchBackoffMs?.max,
        onError: () => o.onWatchError?.(),
      },
    );
  }

  start(): void {
    this.informer.start();
    this.timer = setInterval(() => void this.sweep(), this.o.sweepMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.informer.stop();
  }

  /** The unready pods of LogServer `namespace/name` (up to MAX_PODS) and why, from memory: no request. */
  unready(namespace: string, name: string): { pods: UnreadyPod[]; total: number } {
    const unready = unreadyPods(this.podsOf(namespace, name));
    const pods = unready.slice(0, MAX_PODS).map((p): UnreadyPod => {
      const unschedulable = unschedulableMessage(p);
      if (unschedulable !== undefined) return { pod: p.metadata.name, reason: `cannot be scheduled: ${unschedulable}`, unschedulable };
      const a = this.answers.get(objectKey(p));
      return { pod: p.metadata.name, reason: a && a.uid === p.metadata.uid ? a.reason : conditionReason(p) };
    });
    return { pods, total: unready.length };
  }

  /**
   * The LogServer's pods by template: `ready` pods that carry `templateHash` (the template applied now) and are
   * Ready, and `stale` pods, not being deleted, that carry another one (or none). From memory: no request.
   */
  countByTemplate(namespace: string, name: string, templateHash: string): PodCounts {
    return podCounts(this.podsOf(namespace, name), templateHash);
  }

  /** Answers kept, for tests that check nothing grows without bound. */
  get size(): number {
    return this.answers.size;
  }

  private podsOf(namespace: string, name: string): PodView[] {
    return this.informer.list().filter((p) => p.metadata.namespace === namespace && p.metadata.labels?.[INSTANCE_LABEL] === name);
  }

  private changed(p: PodView): void {
    const owner = p.metadata.labels?.[INSTANCE_LABEL];
    if (owner) this.o.changed(`${p.metadata.namespace ?? ''}/${owner}`);
  }

  /** Probes, a few at a time, the first MAX_PODS unready pods of each LogServer that are past the grace period. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const due: PodView[] = [];
      const perOwner = new Map<string, number>();
      for (const p of unreadyPods(this.informer.list())) {
        const owner = `${p.metadata.namespace ?? ''}/${p.metadata.labels?.[INSTANCE_LABEL] ?? ''}`;
        if (p.metadata.deletionTimestamp || !p.status?.podIP || now - unreadySince(p) < (this.o.graceMs ?? 10_000)) continue;
        const n = perOwner.get(owner) ?? 0;
        if (n >= MAX_PODS) continue;
        perOwner.set(owner, n + 1);
        due.push(p);
      }
      const probe = this.o.probe ?? probeReadyz;
      const next = due[Symbol.iterator]();
      const worker = async () => {
        for (let it = next.next(); !it.done; it = next.next()) {
          const p = it.value;
          const port = this.o.portOf(p.metadata.namespace ?? '', p.metadata.labels?.[INSTANCE_LABEL] ?? '');
          if (port === undefined) continue;
          const r = await probe(p.status!.podIP!, port);
          const reason = 'checks' in r ? (r.checks.length ? `failing checks ${r.checks.join(', ')}` : conditionReason(p)) : `${conditionReason(p)} (/readyz unreachable: ${r.error})`;
          // The pod may have become ready or gone while it was probed: keep answers only for pods still unready.
          const live = this.informer.get(p.metadata.namespace ?? '', p.metadata.name);
          if (!live || live.metadata.uid !== p.metadata.uid || unreadyPods([live]).length === 0) continue;
          const key = objectKey(p);
          const before = this.answers.get(key);
          this.answers.set(key, { uid: p.metadata.uid, reason });
          if (before?.reason !== reason || before.uid !== p.metadata.uid) this.changed(p);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 8, due.length) }, worker));
    } catch (err) {
      this.o.log.debug({ err: (err as Error).message }, 'pod readiness sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}
