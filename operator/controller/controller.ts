// Wires the informers, the work queue, the workers and the reconciler. Informers feed keys (a child's event
// becomes its owner's key), N workers take keys from the queue (never two on one key), successes reset a
// key's backoff, failures requeue it with backoff.
import type { Logger } from 'pino';
import { API_VERSION, KIND, LOGSERVER_RESOURCE } from '../api/schema.js';
import type { LogServer } from '../api/types.js';
import { INSTANCE_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from '../manifests/common.js';
import { CHILD_KINDS, type ChildKind, type ChildRef } from '../manifests/children.js';
import { OptionalApis } from './discovery.js';
import { EventRecorder } from './events.js';
import { Informer, identityOnly, objectKey } from './informer.js';
import { ReferenceIndex } from './references.js';
import type { Kube, KubeObject } from './kube.js';
import { WorkQueue, type QueueOptions } from './queue.js';
import { PodHealth } from './pod-health.js';
import { SinkHealth } from './sink-health.js';
import { validateSpec } from '../api/validate.js';
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
  /** How often to look for the optional APIs, such as the ServiceMonitor CRD (ms). */
  discoveryPollMs?: number;
  /** Informer restart backoff (ms). */
  watchBackoffMs?: { initial: number; max: number };
  watchTimeoutSeconds?: number;
  /**
   * Every LogServer is requeued this often (ms), whatever the watches said: drift the filtered child
   * informers cannot see (a child that lost its managed-by label, say) is repaired within this period.
   */
  resyncMs?: number;
  /** How soon a LogServer blocked by a NameConflict is looked at again (ms). */
  conflictRecheckMs?: number;
  /** Identifies this process in Events. */
  instance: string;
  /** How often each LogServer's running pods are asked for their sinks' health (GET /sinks; ms). */
  sinkHealthMs?: number;
  /** The operator's own namespace (POD_NAMESPACE): the LogServers' NetworkPolicies admit it to the metrics port. */
  operatorNamespace?: string;
  /** How long reconciles wait for the first list of the caches they read (ms; default 60 s), then go on without. */
  cacheSyncTimeoutMs?: number;
}

/**
 * What the name caches need of a user's object (reconciler.ts ownedBy): its identity, its controller reference
 * and the two labels that mark the operator's orphans. Annotations (kubectl's last-applied copy of the whole
 * object) and other labels stay out of memory.
 */
function ownershipOnly(o: KubeObject): KubeObject {
  const { labels, ownerReferences } = o.metadata;
  const kept = Object.fromEntries([MANAGED_BY_LABEL, INSTANCE_LABEL].filter((l) => labels?.[l] !== undefined).map((l) => [l, labels![l]]));
  const controller = ownerReferences?.filter((r) => r.controller === true);
  const base = identityOnly(o);
  return { ...base, metadata: { ...base.metadata, ...(Object.keys(kept).length ? { labels: kept } : {}), ...(controller?.length ? { ownerReferences: controller } : {}) } };
}

function ownerKey(o: KubeObject): string | undefined {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller && r.kind === KIND && r.apiVersion === API_VERSION);
  return ref ? `${o.metadata.namespace ?? ''}/${ref.name}` : undefined;
}

export class Controller {
  readonly queue: WorkQueue;
  readonly logServers: Informer<LogServer & KubeObject>;
  /** Informers of the child kinds, by kind; an optional kind has one only while its API is served. */
  private readonly children = new Map<string, Informer<KubeObject>>();
  private readonly discovery: OptionalApis;
  /** The LogServers' pods and why the unready ones are not ready (probed outside the reconcile). */
  private readonly pods: PodHealth;
  /** What each LogServer's running pods say of their sinks (asked outside the reconcile). */
  private readonly sinkHealth: SinkHealth;
  private readonly reconciler: Reconciler;
  private readonly childInformer: (k: ChildKind) => Informer<KubeObject>;
  /**
   * Metadata of every object of each (non-optional) child kind, whoever made it: tells the reconcile that a
   * child's name is free without a GET per new child (a user's object carries no label the filtered child
   * informers could select on).
   */
  private readonly names = new Map<string, Informer<KubeObject>>();
  /**
   * The metadata (identity and resourceVersion only) of every Secret: a change of one a LogServer's pods read
   * requeues that LogServer (references), which re-reads it and rolls the pods if its digest changed.
   */
  private readonly secrets: Informer<KubeObject>;
  /** Which LogServers read which Secrets and ConfigMaps, as their last reconcile found. */
  private readonly references = new ReferenceIndex();
  /** Each LogServer as our last status write returned it, until the informer has caught up (one per object). */
  private readonly written = new Map<string, LogServer & KubeObject>();
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
      { ...LOGSERVER_RESOURCE, namespace: o.namespace },
      {
        add: (ls) => enqueue(objectKey(ls)),
        // Status writes (our own) do not change the generation; only spec changes and deletion matter here.
        update: (old, ls) => {
          // The cache has caught up with our last status write: its copy is no longer needed (current()).
          const mine = this.written.get(objectKey(ls));
          if (mine && (mine.metadata.uid !== ls.metadata.uid || newer(ls.metadata.resourceVersion, mine.metadata.resourceVersion))) this.written.delete(objectKey(ls));
          if (old.metadata.generation !== ls.metadata.generation || ls.metadata.deletionTimestamp || old.metadata.uid !== ls.metadata.uid) enqueue(objectKey(ls));
        },
        delete: (ls) => {
          this.written.delete(objectKey(ls));
          this.references.delete(objectKey(ls));
          enqueue(objectKey(ls));
        },
      },
      informerOpts(KIND),
    );
    const onChild = (obj: KubeObject) => {
      const key = ownerKey(obj);
      if (key) enqueue(key);
    };
    this.childInformer = (k: ChildKind) =>
      new Informer<KubeObject>(
        o.kube,
        { apiVersion: k.apiVersion, kind: k.kind, plural: k.plural, namespace: o.namespace },
        // The old object too: a child whose owner reference was removed or changed still tells its former
        // owner, which then takes it back or reports the conflict.
        { add: onChild, update: (old, n) => (onChild(old), onChild(n)), delete: onChild },
        informerOpts(k.kind),
      );
    // One informer per kind: the table may list a kind twice under two names (the client and headless Service).
    for (const k of CHILD_KINDS) if (!k.optional && !this.children.has(k.kind)) this.children.set(k.kind, this.childInformer(k));
    // A change of a Secret or ConfigMap that LogServers read requeues them (the ConfigMap of client keys is seen
    // by the ConfigMap name cache below; Secrets have a cache of their own).
    const referenced = (kind: string) => {
      const wake = (obj: KubeObject) => {
        for (const key of this.references.ownersOf(kind, obj.metadata.namespace ?? '', obj.metadata.name)) enqueue(key);
      };
      return { add: wake, update: (_: KubeObject, n: KubeObject) => wake(n), delete: wake };
    };
    for (const k of CHILD_KINDS) {
      if (k.optional || this.names.has(k.kind)) continue;
      const ref = { apiVersion: k.apiVersion, kind: k.kind, plural: k.plural, namespace: o.namespace };
      const handlers = k.kind === 'ConfigMap' ? referenced('ConfigMap') : {};
      this.names.set(k.kind, new Informer<KubeObject>(o.kube, ref, handlers, { ...informerOpts(k.kind), labelSelector: undefined, metadataOnly: true, keep: ownershipOnly }));
    }
    this.secrets = new Informer<KubeObject>(
      o.kube,
      { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespace: o.namespace },
      referenced('Secret'),
      { ...informerOpts('Secret'), labelSelector: undefined, metadataOnly: true, keep: identityOnly },
    );
    this.discovery = new OptionalApis(
      o.kube,
      o.log,
      CHILD_KINDS.filter((k) => k.optional),
      o.discoveryPollMs ?? 30_000,
      (res, available) => {
        const kind = CHILD_KINDS.find((k) => k.kind === res.kind);
        if (!kind) return;
        const running = this.children.get(kind.kind);
        if (available && !running && !this.stopped) {
          const inf = this.childInformer(kind);
          this.children.set(kind.kind, inf);
          inf.start();
        } else if (!available && running) {
          // The CRD is gone: a watch on it would fail (and warn) forever.
          this.children.delete(kind.kind);
          void running.stop();
        }
        // Every LogServer may now get (or lose) its child of this kind.
        for (const ls of this.logServers.list()) enqueue(objectKey(ls));
      },
    );
    this.pods = new PodHealth({
      kube: o.kube,
      log: o.log,
      namespace: o.namespace,
      watchBackoffMs: o.watchBackoffMs,
      onWatchError: () => o.metrics.watchErrors.inc({ kind: 'Pod' }),
      portOf: (namespace, name) => {
        const ls = this.logServers.get(namespace, name);
        const v = ls && validateSpec(ls.spec);
        return v?.ok ? v.spec.metricsPort : undefined;
      },
      changed: enqueue,
    });
    this.sinkHealth = new SinkHealth({
      log: o.log,
      pods: () => this.pods.informer.list(),
      portOf: (namespace, name) => {
        const ls = this.logServers.get(namespace, name);
        const v = ls && validateSpec(ls.spec);
        return v?.ok ? v.spec.metricsPort : undefined;
      },
      changed: enqueue,
      intervalMs: o.sinkHealthMs,
      swept: ({ seconds, asked, answered }) => {
        o.metrics.sinkHealthSweepSeconds.set(seconds);
        o.metrics.sinkHealthRequests.inc({ result: 'answered' }, answered);
        o.metrics.sinkHealthRequests.inc({ result: 'failed' }, asked - answered);
      },
    });
    this.reconciler = new Reconciler({
      kube: o.kube,
      events: new EventRecorder(o.kube, o.log, o.instance),
      apiAvailable: (kind: ChildKind) => !kind.optional || this.discovery.isAvailable(kind.kind),
      cachedChild: (ref: ChildRef) => this.children.get(ref.kind)?.get(ref.namespace, ref.name),
      holderOf: (ref: ChildRef) => {
        const names = this.names.get(ref.kind);
        return names?.hasSynced ? (names.get(ref.namespace, ref.name) ?? null) : undefined;
      },
      // Without managedFields, as the informer keeps it: never read, often the largest part of the object.
      statusWritten: (ls) => {
        const { managedFields: _, ...metadata } = ls.metadata as typeof ls.metadata & { managedFields?: unknown };
        this.written.set(objectKey(ls), { ...(ls as LogServer & KubeObject), metadata });
      },
      referenced: (owner, sources) => this.references.set(owner.namespace, owner.name, sources),
      unready: (namespace, name) => this.pods.unready(namespace, name),
      podCounts: (namespace, name, hash) => this.pods.countByTemplate(namespace, name, hash),
      sinkReports: (namespace, name) => this.sinkHealth.reports(namespace, name),
      sinkHealthPending: () => !this.sinkHealth.hasSwept,
      operatorNamespace: o.operatorNamespace,
    });
  }

  /** Caches filled: the operator is ready to serve. */
  get hasSynced(): boolean {
    return this.logServers.hasSynced && this.readCachesSynced;
  }

  /**
   * The caches a reconcile reads instead of asking the API server have their first list: the children, the
   * names, the Secrets' versions and the pods. An optional kind's informer starts whenever its CRD appears;
   * this does not wait on it.
   */
  private get readCachesSynced(): boolean {
    for (const k of CHILD_KINDS) if (!k.optional && !this.children.get(k.kind)?.hasSynced) return false;
    for (const inf of this.names.values()) if (!inf.hasSynced) return false;
    return this.secrets.hasSynced && this.pods.informer.hasSynced;
  }

  informers(): Informer<KubeObject>[] {
    return [this.logServers, ...this.children.values(), ...this.names.values(), this.secrets, this.pods.informer];
  }

  async start(): Promise<void> {
    for (const inf of [...this.children.values(), ...this.names.values(), this.secrets]) inf.start();
    this.pods.start();
    this.sinkHealth.start();
    await this.discovery.start();
    // Reconciles wait for the first list of what they read (as client-go controllers WaitForCacheSync): before it,
    // each would ask for every child's holder (a GET each) and re-apply every child it cannot see in a cache.
    // Bounded: a kind that cannot be listed (RBAC, say) costs those requests but never stops reconciling.
    const syncBy = Date.now() + (this.o.cacheSyncTimeoutMs ?? 60_000);
    while (!this.readCachesSynced && !this.stopped && Date.now() < syncBy) await new Promise((r) => setTimeout(r, 20));
    if (this.stopped) return;
    if (!this.readCachesSynced) this.o.log.warn({ waitedMs: this.o.cacheSyncTimeoutMs ?? 60_000 }, 'caches not filled in time: reconciling without them');
    this.logServers.start();
    for (let i = 0; i < (this.o.workers ?? 8); i++) this.workers.push(this.work());
    this.resync = setInterval(() => {
      for (const ls of this.logServers.list()) this.queue.add(objectKey(ls));
    }, this.o.resyncMs ?? 10 * 60_000);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    this.sinkHealth.stop();
    this.discovery.stop();
    this.queue.shutdown();
    await Promise.all([...this.informers().filter((i) => i !== this.pods.informer).map((i) => i.stop()), this.pods.stop(), ...this.workers]);
  }

  /**
   * The LogServer as it is now, without a request: the informer's copy, unless our own last status write is
   * newer than it (the watch event of that write may not have arrived yet; computing conditions and Events
   * against the older status would announce the same transition twice). resourceVersions are etcd revisions,
   * compared as integers, as the API server itself does for watches.
   */
  private current(namespace: string, name: string): (LogServer & KubeObject) | undefined {
    const cached = this.logServers.get(namespace, name);
    const key = `${namespace}/${name}`;
    const mine = this.written.get(key);
    if (!cached || !mine) return cached;
    if (mine.metadata.uid !== cached.metadata.uid || newer(cached.metadata.resourceVersion, mine.metadata.resourceVersion)) {
      this.written.delete(key);
      return cached;
    }
    // Our write is the newest copy we know of (the API server returns the whole object).
    return mine;
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
        const result = await this.reconciler.reconcile(this.current(namespace, name), log);
        this.o.metrics.reconciles.inc({ result });
        this.queue.forget(key);
        // The object holding a child's name is not watched (it lacks the operator's label): look again later.
        if (result === 'conflict') this.queue.addAfter(key, this.o.conflictRecheckMs ?? 10_000);
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

/** a is at or after b (resourceVersions as integers; an unparsable one counts as newer, so the cache wins). */
function newer(a: string | undefined, b: string | undefined): boolean {
  try {
    return BigInt(a ?? '0') >= BigInt(b ?? '0');
  } catch {
    return true;
  }
}
