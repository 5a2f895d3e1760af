// core/v1 Events on a LogServer. Fire-and-forget: an Event that cannot be written is logged, never retried,
// and never fails a reconcile. Repeats are aggregated into one Event's count, as client-go's recorder does.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { API_VERSION, KIND } from '../api/schema.js';
import { type Kube, type Resource, isStatus } from './kube.js';

const EVENT: Resource = { apiVersion: 'v1', kind: 'Event', plural: 'events' };

export const EVENT_SOURCE = 'zlog-operator';

export interface EventTarget {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion?: string;
}

/** How long a repeat of the same Event bumps its count instead of creating another (client-go: 10 minutes). */
export const AGGREGATION_WINDOW_MS = 10 * 60_000;
/** Distinct Events remembered for aggregation (client-go's correlator keeps 4096 too). */
export const MAX_REMEMBERED = 4096;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  at: number;
}

/**
 * Records Events the way client-go's recorder does for the same object, type, reason and message: the first
 * is created, repeats within AGGREGATION_WINDOW_MS patch its count and lastTimestamp. Fire-and-forget.
 */
export class EventRecorder {
  // Insertion-ordered: the oldest entry is evicted first, so memory stays bounded.
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly kube: Pick<Kube, 'create' | 'request'>,
    private readonly log: Logger,
    private readonly instance: string,
    private readonly now: () => number = Date.now,
  ) {}

  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.write(target, type, reason, message.slice(0, 1024)).catch((err: unknown) => {
      this.log.warn({ key: `${target.namespace}/${target.name}`, reason, err: err instanceof Error ? err.message : String(err) }, 'event not recorded');
    });
  }

  /** Same as record, awaited (tests). */
  async write(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const key = `${target.uid}\u0000${type}\u0000${reason}\u0000${message}`;
    const at = this.now();
    const iso = new Date(at).toISOString();
    const prev = this.seen.get(key);
    if (prev && at - prev.at < AGGREGATION_WINDOW_MS) {
      prev.count++;
      prev.at = at;
      this.seen.delete(key);
      this.seen.set(key, prev);
      try {
        await this.kube.request(`/api/v1/namespaces/${encodeURIComponent(prev.namespace)}/events/${encodeURIComponent(prev.name)}`, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          body: { count: prev.count, lastTimestamp: iso },
        });
        return;
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
        // The Event expired (the API server keeps them an hour by default): start a new one.
      }
    }
    const name = `${target.name}.${randomBytes(8).toString('hex')}`;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: target.namespace },
      involvedObject: { apiVersion: API_VERSION, kind: KIND, name: target.name, namespace: target.namespace, uid: target.uid, resourceVersion: target.resourceVersion },
      type,
      reason,
      message,
      source: { component: EVENT_SOURCE },
      reportingComponent: EVENT_SOURCE,
      reportingInstance: this.instance,
      firstTimestamp: iso,
      lastTimestamp: iso,
      count: 1,
    };
    this.seen.delete(key);
    this.seen.set(key, { name, namespace: target.namespace, count: 1, firstTimestamp: iso, at });
    while (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
    await this.kube.create(EVENT, event);
  }
}
