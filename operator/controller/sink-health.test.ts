import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { SinkHealth, podSinksOf, sinksCondition, stableError, summarizeSinks, type PodSinks } from './sink-health.js';
import type { PodView } from './pod-health.js';
import { INSTANCE_LABEL } from '../manifests/common.js';

const spec = { sinks: [{ name: 'vl', type: 'elasticsearch' }, { name: 'file', type: 'file' }] } as never;

const queue = (bytes: number, batches: number) => ({ records: 1, bytes, batches, maxBytes: 1000, maxBatches: 10, full: false });

test('a pod answer is reduced to what the status shows: the error only while retrying, without counts or time; fills in steps of 10%', () => {
  // The shape of collector/sinks/health.ts (docs/sinks.md "Sink health").
  const a = podSinksOf('p-0', {
    sinks: [
      {
        id: 'vl',
        type: 'elasticsearch',
        state: 'retrying',
        queue: queue(100, 7),
        buffer: { bytes: 59, maxBytes: 100, oldestAgeSeconds: 3, replayRemainingBytes: 0, full: false },
        lastError: { message: '3 of 40 records not stored yet: connect ECONNREFUSED 10.0.0.5:9428', time: '2026-11-30T06:00:00.000Z' },
      },
      { id: 'file', type: 'file', state: 'healthy', queue: queue(999, 0), buffer: null, lastError: { message: 'an old error', time: '2026-11-30T05:00:00.000Z' } },
    ],
  });
  assert.deepEqual(a.sinks, [
    { id: 'vl', type: 'elasticsearch', failing: 'records not stored yet: connect ECONNREFUSED 10.0.0.5:9428', queuePercent: 70, bufferPercent: 50 },
    { id: 'file', type: 'file', failing: null, queuePercent: 90, bufferPercent: null },
  ]);
  assert.equal(stableError('x'.repeat(1000)).length, 256);
  // As the stage reports it (seen on the real node): the sink's name first, then the counts.
  assert.equal(stableError('sink vl: 100 of 100 records not stored yet: connect ECONNREFUSED 10.0.0.36:9428'), 'records not stored yet: connect ECONNREFUSED 10.0.0.36:9428');
  assert.throws(() => podSinksOf('p', { nope: 1 }), /no sinks list/);
  assert.throws(() => podSinksOf('p', { sinks: [{ type: 'file', state: 'healthy' }] }), /without id/);
});

test('status.sinks and SinksHealthy: failing pods counted per sink, the first failing pod by name gives the error', () => {
  const answers: PodSinks[] = [
    { pod: 'p-1', sinks: [{ id: 'vl', type: 'elasticsearch', failing: 'HTTP 503', queuePercent: 0, bufferPercent: 70 }, { id: 'file', type: 'file', failing: null, queuePercent: 10, bufferPercent: null }] },
    { pod: 'p-0', sinks: [{ id: 'vl', type: 'elasticsearch', failing: 'ECONNREFUSED', queuePercent: 30, bufferPercent: 20 }, { id: 'file', type: 'file', failing: null, queuePercent: 0, bufferPercent: null }] },
    { pod: 'p-2', sinks: [{ id: 'vl', type: 'elasticsearch', failing: null, queuePercent: 0, bufferPercent: 0 }, { id: 'file', type: 'file', failing: null, queuePercent: 0, bufferPercent: null }] },
  ];
  const sinks = summarizeSinks(spec, answers);
  assert.deepEqual(sinks, [
    { name: 'vl', type: 'elasticsearch', podsReporting: 3, failingPods: 2, lastError: 'ECONNREFUSED', queueFillPercent: 30, bufferFillPercent: 70 },
    { name: 'file', type: 'file', podsReporting: 3, failingPods: 0, queueFillPercent: 10 },
  ]);
  assert.deepEqual(sinksCondition(sinks, 4), {
    type: 'SinksHealthy',
    status: 'False',
    reason: 'SinkFailing',
    message: 'sink vl (elasticsearch) failing on 2/3 pods: ECONNREFUSED',
    observedGeneration: 4,
  });
  const healthy = summarizeSinks(spec, [answers[2]]);
  assert.equal(sinksCondition(healthy, 4).status, 'True');
  // A sink a pod does not know yet (the pod runs an older config) is reported by no pod.
  assert.equal(summarizeSinks({ sinks: [{ name: 'new', type: 'loki' }] } as never, answers)[0].podsReporting, 0);
});

const pod = (owner: string, name: string, ready: boolean, phase = 'Running'): PodView => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: `${owner}-${name}`, labels: { [INSTANCE_LABEL]: owner } },
  status: { podIP: `10.0.0.${name.length}`, phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

test('the sweep asks at most 3 running pods per LogServer (ready ones first), requeues only on news, and forgets LogServers without running pods', async () => {
  // a-0 is unready (a failing sink takes its pod out of the Service): asked, after the ready ones.
  let pods: PodView[] = [pod('a', 'a-0', false), pod('a', 'a-1', true), pod('a', 'a-2', true), pod('a', 'a-3', true), pod('b', 'b-0', false, 'Pending'), pod('c', 'c-0', true)];
  const asked: string[] = [];
  const changed: string[] = [];
  const sweeps: Array<{ asked: number; answered: number }> = [];
  let error: string | null = null;
  const h = new SinkHealth({
    swept: ({ asked, answered }) => sweeps.push({ asked, answered }),
    log: pino({ level: 'silent' }),
    pods: () => pods,
    portOf: (_ns, name) => (name === 'c' ? undefined : 9090),
    changed: (k) => changed.push(k),
    fetch: async (p) => {
      asked.push(p);
      return p === 'a-1' ? undefined : { pod: p, sinks: [{ id: 'vl', type: 'elasticsearch', failing: error, queuePercent: 0, bufferPercent: null }] };
    },
  });
  await h.sweep();
  assert.deepEqual(asked.sort(), ['a-1', 'a-2', 'a-3'], 'running pods only, ready first, 3 per LogServer, none of a LogServer whose port is unknown');
  assert.deepEqual(changed, ['ns/a']);
  assert.deepEqual(h.reports('ns', 'a')?.map((a) => a.pod), ['a-2', 'a-3'], 'a pod that did not answer is left out');
  assert.deepEqual(sweeps, [{ asked: 3, answered: 2 }], 'each sweep reports the pods asked and the answers');
  pods = pods.filter((p) => p.metadata.name !== 'a-1' && p.metadata.name !== 'a-2');
  asked.length = 0;
  await h.sweep();
  assert.deepEqual(asked.sort(), ['a-0', 'a-3'], 'an unready but running pod is asked when fewer than 3 are ready');
  await h.sweep();
  assert.deepEqual(changed, ['ns/a', 'ns/a'], 'the same answer again is no news');
  error = 'HTTP 503';
  await h.sweep();
  assert.deepEqual(changed, ['ns/a', 'ns/a', 'ns/a']);
  pods = pods.filter((p) => p.metadata.labels?.[INSTANCE_LABEL] !== 'a');
  await h.sweep();
  assert.equal(h.reports('ns', 'a'), undefined);
  assert.equal(h.size, 0, 'nothing kept for LogServers without running pods');
  assert.deepEqual(changed, ['ns/a', 'ns/a', 'ns/a', 'ns/a']);
});
