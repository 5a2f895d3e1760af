// core/v1 Events on a LogServer. Fire-and-forget: an Event that cannot be written is logged, never retried,
// and never fails a reconcile.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { API_VERSION, KIND } from '../api/schema.js';
import type { Kube, Resource } from './kube.js';

const EVENT: Resource = { apiVersion: 'v1', kind: 'Event', plural: 'events' };

export const EVENT_SOURCE = 'zlog-operator';

export interface EventTarget {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion?: string;
}

export class EventRecorder {
  constructor(
    private readonly kube: Kube,
    private readonly log: Logger,
    private readonly instance: string,
  ) {}

  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const now = new Date().toISOString();
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${target.name}.${randomBytes(8).toString('hex')}`, namespace: target.namespace },
      involvedObject: { apiVersion: API_VERSION, kind: KIND, name: target.name, namespace: target.namespace, uid: target.uid, resourceVersion: target.resourceVersion },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: EVENT_SOURCE },
      reportingComponent: EVENT_SOURCE,
      reportingInstance: this.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    this.kube.create(EVENT, event).catch((err: unknown) => {
      this.log.warn({ key: `${target.namespace}/${target.name}`, reason, err: err instanceof Error ? err.message : String(err) }, 'event not recorded');
    });
  }
}
