// List-then-watch cache of one kind. client-node's informer stops for good on any watch error but 410; this
// one keeps going: a failed list or watch is retried with capped exponential backoff (plus jitter, so many
// operators do not retry in step), 410 Gone relists, a watch the server ends normally is resumed from the last
// resourceVersion, and a watch that goes quiet past its own timeout is abandoned client-side.
import type { Logger } from 'pino';
import { type Kube, type KubeObject, type ObjectRef, type WatchEvent, ApiError, METADATA_ONLY } from './kube.js';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  labelSelector?: string;
  /** Server-side watch timeout; the stream is reopened from the last resourceVersion after it. */
  watchTimeoutSeconds?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log: Logger;
  /**
   * Start watching from this resourceVersion instead of listing first (a resume point kept elsewhere). If the
   * server no longer has it, the 410 that follows makes the informer list from scratch.
   */
  resumeFrom?: string;
  /** Called on every list or watch failure (metrics). */
  onError?: (err: Error) => void;
  /** Keep metadata only (kube.ts METADATA_ONLY): which objects exist and who owns them, not their contents. */
  metadataOnly?: boolean;
  /**
   * What of each object the cache keeps, applied on receipt after managedFields are dropped (the default keeps
   * the rest): a cache of every Secret or ConfigMap in the cluster should hold only the fields read from it.
   */
  keep?: (o: KubeObject) => KubeObject;
}

/**
 * Identity and version only: enough to notice that an object was added, changed or deleted. Nothing else is
 * held, so neither labels nor annotations (kubectl's last-applied-configuration annotation of a Secret holds its
 * data) stay in memory.
 */
export function identityOnly(o: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion } = o.metadata;
  return { apiVersion: o.apiVersion, kind: o.kind, metadata: { name, namespace, uid, resourceVersion } };
}

class Gone extends Error {}

/**
 * The object as the cache keeps it: with the informer's apiVersion and kind (watch events of some kinds omit
 * them) and without metadata.managedFields, often the largest part of an object and never read by the
 * operator (client-go's TransformStripManagedFields does the same).
 */
function cached<T extends KubeObject>(o: T, ref: ObjectRef, keep?: (o: KubeObject) => KubeObject): T {
  const { managedFields: _, ...metadata } = o.metadata as T['metadata'] & { managedFields?: unknown };
  const full = { ...o, apiVersion: ref.apiVersion, kind: ref.kind, metadata };
  return keep ? (keep(full) as T) : full;
}

export function objectKey(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private stopped = false;
  private synced = false;
  private abortWatch: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  /** Consecutive failures (0 while healthy). */
  private failures = 0;
  /** Times the server said 410 Gone (each followed by a relist). */
  gone = 0;

  constructor(
    private readonly kube: Kube,
    readonly ref: ObjectRef,
    private readonly handlers: InformerHandlers<T>,
    private readonly opts: InformerOptions,
  ) {
    this.resourceVersion = opts.resumeFrom ?? '';
  }

  start(): void {
    if (!this.loopDone) this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abortWatch?.();
    this.wake?.();
    await this.loopDone;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.watchOnce();
        this.failures = 0;
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof Gone || (err instanceof ApiError && err.statusCode === 410)) {
          this.gone++;
          this.opts.log.info({ kind: this.ref.kind }, 'watch expired (410): relisting');
          this.resourceVersion = '';
          continue;
        }
        this.failures++;
        const e = err instanceof Error ? err : new Error(String(err));
        this.opts.onError?.(e);
        const cap = this.opts.maxBackoffMs ?? 30_000;
        const base = Math.min((this.opts.initialBackoffMs ?? 200) * 2 ** Math.min(this.failures - 1, 20), cap);
        const delay = Math.round(base * (0.75 + Math.random() * 0.5));
        this.opts.log.warn({ kind: this.ref.kind, err: e.message, failures: this.failures, retryInMs: delay }, 'list/watch failed: retrying');
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async relist(): Promise<void> {
    const list = await this.kube.list<T>(this.ref, { labelSelector: this.opts.labelSelector }, this.opts.metadataOnly ? METADATA_ONLY.list : undefined);
    const fresh = new Map((list.items ?? []).map((o) => [objectKey(o), cached(o, this.ref, this.opts.keep)]));
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.handlers.delete?.(old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.handlers.add?.(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.handlers.update?.(old, obj);
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.synced = true;
  }

  private watchOnce(): Promise<void> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let close: (() => void) | undefined;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        this.abortWatch = undefined;
        close?.();
        if (err) reject(err);
        else resolve();
      };
      this.abortWatch = () => settle();
      // The server closes the stream after timeoutSeconds; if it has not, the connection is dead.
      const guard = setTimeout(() => settle(new Error('watch silent past its timeout')), (timeoutSeconds + 30) * 1000);
      guard.unref();
      this.kube
        .watch<T>(
          this.ref,
          { resourceVersion: this.resourceVersion, timeoutSeconds, labelSelector: this.opts.labelSelector },
          (e) => {
            try {
              this.onEvent(e);
            } catch (err) {
              settle(err instanceof Error ? err : new Error(String(err)));
            }
          },
          (err) => settle(err),
          this.opts.metadataOnly ? METADATA_ONLY.watch : undefined,
        )
        .then(
          (c) => {
            if (settled) c();
            else close = c;
          },
          (err: unknown) => settle(err instanceof Error ? err : new Error(String(err))),
        );
    });
  }

  private onEvent(e: WatchEvent<T>): void {
    if (e.type === 'ERROR') {
      if (e.object.code === 410) throw new Gone(e.object.message ?? 'gone');
      throw new ApiError(e.object.code ?? 0, e.object.reason ?? 'WatchError', e.object.message ?? 'watch error event');
    }
    const obj = e.object;
    this.resourceVersion = obj.metadata.resourceVersion ?? this.resourceVersion;
    if (e.type === 'BOOKMARK') return;
    const full = cached(obj, this.ref, this.opts.keep);
    const key = objectKey(full);
    const old = this.cache.get(key);
    if (e.type === 'DELETED') {
      this.cache.delete(key);
      this.handlers.delete?.(full);
    } else {
      this.cache.set(key, full);
      if (old) this.handlers.update?.(old, full);
      else this.handlers.add?.(full);
    }
  }
}
