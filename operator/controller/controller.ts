// Wires the informers, the work queue, the workers and the reconciler. Informers feed keys (a child's event
// becomes its owner's key), N workers take keys from the queue (never two on one key), successes reset a
// key's backoff, failures requeue it with backoff.
import type { Logger } from 'pino';
import { API_VERSION, KIND } from '../../crds/logserver.schema.js';
import type { LogServer } from '../api/types.js';
import { MANAGED_BY } from '../manifests/common.js';
import { CHILD_KINDS, type ChildRef } from '../manifests/index.js';
import { ServiceMonitorApi } from './discovery.js';
import { EventRecorder } from './events.js';
import { Informer, objectKey } from './informer.js';
import { type Kube, type KubeObject, isStatus } from './kube.js';
import { WorkQueue, type QueueOptions } from './queue.js';
import { unreadyReasons } from './pod-health.js';
import { Reconciler } from './reconciler.js';
import type { OperatorMetrics } from '../observability/metrics.js';

export interface ControllerOptions {
  kube: Kube;
  log: Logger;
  metrics: OperatorMetrics;
  /** Watch one namespace only; all when undefined. */
  namespace?: string;
  workers?: number;
  queue?: QueueOptions;
  /** How often to look for the ServiceMonitor API (ms). */
  discoveryPollMs?: number;
  /** Informer restart backoff (ms). */
  watchBackoffMs?: { initial: number; max: number };
  watchTimeoutSeconds?: number;
  /**
   * Every LogServer is requeued this often (ms), whatever the watches said: drift the filtered child
   * informers cannot see (a child that lost its managed-by label, say) is repaired within this period.
   */
  resyncMs?: number;
  /** Identifies this process in Events. */
  instance: string;
}

function ownerKey(o: KubeObject): string | undefined {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller && r.kind === KIND && r.apiVersion === API_VERSION);
  return ref ? `${o.metadata.namespace ?? ''}/${ref.name}` : undefined;
}

export class Controller {
  readonly queue: WorkQueue;
  readonly logServers: Informer<LogServer & KubeObject>;
  private readonly children = new Map<string, Informer<KubeObject>>();
  private readonly discovery: ServiceMonitorApi;
  private readonly reconciler: Reconciler;
  private readonly workers: Promise<void>[] = [];
  private stopped = false;
  private resync: NodeJS.Timeout | undefined;

  constructor(private readonly o: ControllerOptions) {
    this.queue = new WorkQueue(o.queue);
    const informerOpts = (kind: string) => ({
      log: o.log,
      labelSelector: kind === KIND ? undefined : `app.kubernetes.io/managed-by=${MANAGED_BY}`,
      initialBackoffMs: o.watchBackoffMs?.initial,
      maxBackoffMs: o.watchBackoffMs?.max,
      watchTimeoutSeconds: o.watchTimeoutSeconds,
      onError: () => o.metrics.watchErrors.inc({ kind }),
    });
    const enqueue = (key: string) => {
      this.queue.add(key);
      o.metrics.queueDepth.set(this.queue.depth);
    };
    this.logServers = new Informer<LogServer & KubeObject>(
      o.kube,
      { apiVersion: API_VERSION, kind: KIND, namespace: o.namespace },
      {
        add: (ls) => enqueue(objectKey(ls)),
        // Status writes (our own) do not change the generation; only spec changes and deletion matter here.
        update: (old, ls) => {
          if (old.metadata.generation !== ls.metadata.generation || ls.metadata.deletionTimestamp || old.metadata.uid !== ls.metadata.uid) enqueue(objectKey(ls));
        },
        delete: (ls) => enqueue(objectKey(ls)),
      },
      informerOpts(KIND),
    );
    for (const k of CHILD_KINDS) {
      const onChild = (obj: KubeObject) => {
        const key = ownerKey(obj);
        if (key) enqueue(key);
      };
      this.children.set(
        k.kind,
        new Informer<KubeObject>(o.kube, { apiVersion: k.apiVersion, kind: k.kind, namespace: o.namespace }, { add: onChild, update: (_, n) => onChild(n), delete: onChild }, informerOpts(k.kind)),
      );
    }
    this.discovery = new ServiceMonitorApi(o.kube, o.log, o.discoveryPollMs ?? 30_000, (available) => {
      const sm = this.children.get('ServiceMonitor');
      if (available && !this.stopped) sm?.start();
      // Every LogServer may now get (or lose) its ServiceMonitor.
      for (const ls of this.logServers.list()) enqueue(objectKey(ls));
    });
    this.reconciler = new Reconciler({
      kube: o.kube,
      events: new EventRecorder(o.kube, o.log, o.instance),
      serviceMonitorsAvailable: () => this.discovery.isAvailable,
      cachedChild: (ref: ChildRef) => this.children.get(ref.kind)?.get(ref.namespace, ref.name),
      unreadyReasons: (namespace, selector, port) => unreadyReasons(o.kube, namespace, selector, port),
    });
  }

  /** Caches filled: the operator is ready to serve. */
  get hasSynced(): boolean {
    if (!this.logServers.hasSynced) return false;
    for (const [kind, inf] of this.children) if (kind !== 'ServiceMonitor' && !inf.hasSynced) return false;
    return true;
  }

  informers(): Informer<KubeObject>[] {
    return [this.logServers, ...this.children.values()];
  }

  async start(): Promise<void> {
    for (const [kind, inf] of this.children) if (kind !== 'ServiceMonitor') inf.start();
    await this.discovery.start();
    this.logServers.start();
    for (let i = 0; i < (this.o.workers ?? 4); i++) this.workers.push(this.work());
    this.resync = setInterval(() => {
      for (const ls of this.logServers.list()) this.queue.add(objectKey(ls));
    }, this.o.resyncMs ?? 10 * 60_000);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    this.discovery.stop();
    this.queue.shutdown();
    await Promise.all([...this.informers().map((i) => i.stop()), ...this.workers]);
  }

  /**
   * The LogServer as it is now. The cache says whether it exists; the object itself is read fresh because the
   * cache may not hold our own last status write yet, and conditions and Events are computed against it (a
   * stale copy would announce the same transition twice).
   */
  private async current(namespace: string, name: string): Promise<LogServer | undefined> {
    if (!this.logServers.get(namespace, name)) return undefined;
    try {
      return await this.o.kube.get<LogServer & KubeObject>({ apiVersion: API_VERSION, kind: KIND, namespace, name });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.o.metrics.queueDepth.set(this.queue.depth);
      const log = this.o.log.child({ key });
      const [namespace, name] = key.split('/');
      const end = this.o.metrics.duration.startTimer();
      try {
        const result = await this.reconciler.reconcile(await this.current(namespace, name), log);
        this.o.metrics.reconciles.inc({ result });
        this.queue.forget(key);
        log.debug({ result }, 'reconciled');
      } catch (err) {
        this.o.metrics.reconciles.inc({ result: 'error' });
        this.o.metrics.errors.inc();
        const delay = this.queue.addRateLimited(key);
        log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: delay, retries: this.queue.retries(key) }, 'reconcile failed: requeued');
      } finally {
        end();
        this.queue.done(key);
      }
    }
  }
}
