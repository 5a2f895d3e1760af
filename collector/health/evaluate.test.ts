import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectorConfigSchema } from '../config/schema.js';
import { validateConfig } from '../config/load.js';
import { RateWindow } from './errors.js';
import { failingChecks, healthExitCode } from './exit-codes.js';
import { evaluate, failing, probeBody } from './evaluate.js';
import { staleLagMs } from './event-loop.js';
import type { CheckResult, Readings } from './types.js';

const T = validateConfig({}).health;
const MiB = 1048576;

function readings(over: Partial<Readings> = {}): Readings {
  return {
    now: 1000,
    memory: { rssBytes: 100 * MiB, heapUsedBytes: 20 * MiB, heapLimitBytes: 2048 * MiB, cgroupLimitBytes: 1024 * MiB, totalBytes: 16384 * MiB },
    loopLagMs: 12,
    queue: { records: 10, bytes: 1000, maxRecords: 1000, maxBytes: 1 << 20, storeRecords: 0, storeBytes: 0 },
    oldestRecordMs: 5,
    oldestAnyRecordMs: 5,
    sinks: [sink('file')],
    errorRates: new Map([['pull', 0]]),
    inputs: [{ id: 'pull', peers: 2, events: { accepted: 3, disconnected: 1 } }],
    draining: false,
    ...over,
  };
}

/** A sink reading: a local sink (file) unless `remote`. */
function sink(id: string, busyForMs: number | null = null, failingWith: string | null = null, remote = false, bufferWaitsForStore = false) {
  return { id, busyForMs, failing: failingWith, remote, bufferWaitsForStore };
}

const byName = (cs: CheckResult[], n: string): CheckResult => cs.find((c) => c.name === n)!;

test('defaults come from the schema and every check passes on a quiet collector', () => {
  assert.ok('health' in collectorConfigSchema.properties);
  assert.deepEqual(T.sinks, { stalledSeconds: 10, stuckSeconds: 120, storeOutageFailsReadinessSeconds: 0 });
  const cs = evaluate(readings(), T);
  assert.deepEqual(cs.map((c) => c.name), ['draining', 'memory', 'heap', 'event-loop', 'queue', 'oldest-record', 'sink:file', 'errors:pull', 'connections:pull']);
  assert.deepEqual(cs.filter((c) => c.status !== 'ok'), []);
  assert.equal(probeBody(cs, 'liveness', false).body, 'ok\n');
});

test('memory: the cgroup limit wins; the budget applies without one; warning fails readiness, critical liveness', () => {
  const warn = evaluate(readings({ memory: { ...readings().memory, rssBytes: 850 * MiB } }), T);
  assert.equal(byName(warn, 'memory').status, 'warning');
  assert.deepEqual(failing(warn, 'readiness').map((c) => c.name), ['memory']);
  assert.deepEqual(failing(warn, 'liveness'), []);
  const crit = evaluate(readings({ memory: { ...readings().memory, rssBytes: 1000 * MiB } }), T);
  assert.deepEqual(failing(crit, 'liveness').map((c) => c.name), ['memory']);
  const noCgroup = { ...readings().memory, cgroupLimitBytes: null, rssBytes: 100 * MiB };
  assert.equal(byName(evaluate(readings({ memory: noCgroup }), T), 'memory').status, 'ok', 'physical memory is the last resort');
  const budget = { ...T, memory: { ...T.memory, budgetBytes: 120 * MiB } };
  const b = byName(evaluate(readings({ memory: noCgroup }), budget), 'memory');
  assert.equal(b.status, 'warning');
  assert.match(b.detail, /budget limit/);
  assert.equal(b.threshold, Math.round(0.95 * 120 * MiB));
});

test('sinks: failing or stalled fails readiness naming the sink; stuck past the limit fails liveness', () => {
  const failingSink = evaluate(readings({ sinks: [sink('file', 50, 'ENOSPC')] }), T);
  assert.deepEqual(failing(failingSink, 'readiness').map((c) => c.name), ['sink:file']);
  const stalled = evaluate(readings({ sinks: [sink('file', 11_000)] }), T);
  assert.equal(byName(stalled, 'sink:file').status, 'warning');
  assert.deepEqual(failing(stalled, 'liveness'), []);
  const stuck = evaluate(readings({ sinks: [sink('file', 121_000), sink('out')] }), T);
  assert.deepEqual(failing(stuck, 'liveness').map((c) => c.name), ['sink:file']);
  assert.match(probeBody(stuck, 'liveness', false).body, /^\[-\]sink:file failed: writing, no progress for 121\.0 s\nliveness check failed\n$/);
});

test("a sink held up by its store (every replica shares it) is reported and fails no probe; so is the backlog that waits only for it", () => {
  const vlDown = sink('vl', 200_000, 'connect ECONNREFUSED 127.0.0.1:9428', true);
  // The queue is full and its oldest record old, but all of that waits for vl alone.
  const held = { records: 950, bytes: 200_000, maxRecords: 1000, maxBytes: 1 << 20, storeRecords: 950, storeBytes: 190_000 };
  const cs = evaluate(readings({ sinks: [sink('file'), vlDown], queue: held, oldestRecordMs: 0, oldestAnyRecordMs: 200_000 }), T);
  assert.deepEqual(failing(cs, 'readiness'), [], 'still ready');
  assert.deepEqual(failing(cs, 'liveness'), [], 'still alive: a restart does not bring a store back');
  assert.equal(byName(cs, 'sink:vl').status, 'warning', 'reported');
  assert.match(byName(cs, 'sink:vl').detail, /^failing \(connect ECONNREFUSED 127\.0\.0\.1:9428\), no progress for 200\.0 s; held up by its store/);
  assert.equal(byName(cs, 'queue').status, 'warning');
  assert.match(byName(cs, 'queue').detail, /950 records wait only for vl held up by the store/);
  assert.equal(byName(cs, 'oldest-record').status, 'warning');
  assert.equal(byName(cs, 'oldest-record').value, 200);
  assert.match(probeBody(cs, 'readiness', true).body, /^\[\+\]sink:vl warning \(does not fail readiness\)/m);
  // What waits for the local sink still counts: past the limit on its own, readiness fails.
  const own = evaluate(readings({ sinks: [sink('file'), vlDown], queue: { ...held, records: 1000, storeRecords: 50 }, oldestRecordMs: 61_000, oldestAnyRecordMs: 200_000 }), T);
  assert.deepEqual(failing(own, 'readiness').map((c) => c.name), ['queue', 'oldest-record']);
  // A remote sink that is merely writing, and slow below the stall limit, is not held up by its store: what
  // waits for it counts like any other (a collector short of CPU is helped by another replica).
  const writing = evaluate(readings({ sinks: [sink('vl', 2_000, null, true)], queue: { ...held, storeRecords: 0, storeBytes: 0 }, oldestAnyRecordMs: 61_000, oldestRecordMs: 61_000 }), T);
  assert.deepEqual(failing(writing, 'readiness').map((c) => c.name), ['queue', 'oldest-record']);
  // A disk buffer full while its store fails is the store's too; the same buffer failing to write its own disk is not.
  const buffered = evaluate(readings({ sinks: [sink('vl', 30_000, null, false, true)] }), T);
  assert.deepEqual(failing(buffered, 'readiness'), []);
  assert.match(byName(buffered, 'sink:vl').detail, /^disk buffer full, its store failing/);
  const disk = evaluate(readings({ sinks: [sink('vl', 50, 'ENOSPC')] }), T);
  assert.deepEqual(failing(disk, 'readiness').map((c) => c.name), ['sink:vl']);
});

test('opt-in: with storeOutageFailsReadinessSeconds a sink held up by its store fails readiness (naming it) once its write has made no progress that long, never liveness', () => {
  const optIn = { ...T, sinks: { ...T.sinks, storeOutageFailsReadinessSeconds: 30 } };
  const down = (ms: number) => sink('vl', ms, 'connect ECONNREFUSED 127.0.0.1:9428', true);
  // Held up for less than the limit: reported, not failing yet, and the detail says when it will.
  const early = evaluate(readings({ sinks: [sink('file'), down(29_000)] }), optIn);
  assert.deepEqual(failing(early, 'readiness'), []);
  assert.equal(byName(early, 'sink:vl').status, 'warning');
  assert.equal(byName(early, 'sink:vl').threshold, 30);
  assert.match(byName(early, 'sink:vl').detail, /held up by its store, which every replica shares: fails readiness after 30 s without progress/);
  // At the limit: readiness fails naming the sink; liveness never, even far past stuckSeconds (120 s).
  for (const ms of [30_000, 1_000_000]) {
    const cs = evaluate(readings({ sinks: [sink('file'), down(ms)] }), optIn);
    assert.deepEqual(failing(cs, 'readiness').map((c) => c.name), ['sink:vl'], `${ms} ms`);
    assert.deepEqual(failing(cs, 'liveness'), [], `${ms} ms: a restart brings no store back`);
    assert.match(probeBody(cs, 'readiness', false).body, /^\[-\]sink:vl failed: failing \(connect ECONNREFUSED 127\.0\.0\.1:9428\), no progress for [\d.]+ s; held up by its store for 30 s or more: fails readiness/);
  }
  // A stalled write the store holds up without an error (no progress past stalledSeconds) counts the same way.
  const stalled = evaluate(readings({ sinks: [sink('vl', 31_000, null, true)] }), optIn);
  assert.deepEqual(failing(stalled, 'readiness').map((c) => c.name), ['sink:vl']);
  // So does a disk buffer full while its store fails.
  const buffered = evaluate(readings({ sinks: [sink('vl', 31_000, null, false, true)] }), optIn);
  assert.deepEqual(failing(buffered, 'readiness').map((c) => c.name), ['sink:vl']);
  // Off by default (0): the same outage fails no probe.
  assert.deepEqual(failing(evaluate(readings({ sinks: [down(1_000_000)] }), T), 'readiness'), []);
  // The opt-in changes nothing for a sink the store does not hold up: a local sink's own failure still fails at once.
  const local = evaluate(readings({ sinks: [sink('file', 50, 'ENOSPC')] }), optIn);
  assert.deepEqual(failing(local, 'readiness').map((c) => c.name), ['sink:file']);
  // The schema takes it, 0 and up.
  assert.equal(validateConfig({ health: { sinks: { storeOutageFailsReadinessSeconds: 45 } } }).health.sinks.storeOutageFailsReadinessSeconds, 45);
  assert.throws(() => validateConfig({ health: { sinks: { storeOutageFailsReadinessSeconds: -1 } } }), /storeOutageFailsReadinessSeconds/);
});

test('queue near full and an old backlog fail readiness only; event-loop lag past critical fails liveness', () => {
  const q = evaluate(readings({ queue: { records: 10, bytes: 1_000_000, maxRecords: 1000, maxBytes: 1 << 20, storeRecords: 0, storeBytes: 0 }, oldestRecordMs: 61_000, oldestAnyRecordMs: 61_000 }), T);
  assert.deepEqual(failing(q, 'readiness').map((c) => c.name), ['queue', 'oldest-record']);
  assert.deepEqual(failing(q, 'liveness'), []);
  const lag = evaluate(readings({ loopLagMs: 700 }), T);
  assert.equal(byName(lag, 'event-loop').status, 'warning');
  assert.deepEqual(failing(lag, 'readiness'), []);
  const stuck = evaluate(readings({ loopLagMs: 6000 }), T);
  assert.deepEqual(failing(stuck, 'liveness').map((c) => c.name), ['event-loop']);
  assert.equal(staleLagMs(10_000, 2_000, 1000), 7000);
  assert.equal(staleLagMs(10_000, 9_500, 1000), 0);
});

test('draining fails readiness; error rates and connections are reported, never fail a probe', () => {
  const d = evaluate(readings({ draining: true, errorRates: new Map([['pull', 50]]) }), T);
  assert.deepEqual(failing(d, 'readiness').map((c) => c.name), ['draining']);
  assert.equal(byName(d, 'errors:pull').status, 'warning');
  const v = probeBody(d, 'readiness', true);
  assert.equal(v.ok, false);
  assert.match(v.body, /^\[-\]draining failed: value=1 threshold=1 bool; draining: no new traffic$/m);
  assert.match(v.body, /^\[\+\]errors:pull warning \(does not fail readiness\): value=50 threshold=1 per_second;/m);
  assert.match(v.body, /^\[\+\]connections:pull ok: value=2 peers; 2 peers connected; accepted 3, connected 0, disconnected 1, handshake failed 0$/m);
  assert.match(v.body, /readiness check failed\n$/);
});

test('RateWindow: increase per second over the window, bounded, forgets keys it is no longer given', () => {
  const w = new RateWindow(10_000, 4);
  assert.equal(w.add(0, new Map([['a', 0]])).get('a'), 0);
  assert.equal(w.add(1000, new Map([['a', 5]])).get('a'), 5);
  assert.equal(w.add(2000, new Map([['a', 10]])).get('a'), 5);
  // Past the window the old samples drop out: 10 more over the last 10 s.
  assert.equal(w.add(12_000, new Map([['a', 20]])).get('a'), 1);
  assert.equal(w.add(22_000, new Map([['a', 20]])).get('a'), 0);
  // A counter that went backwards counts from its new value, never a negative rate.
  assert.equal(w.add(23_000, new Map([['a', 3]])).get('a'), 0);
  assert.equal(w.add(24_000, new Map([['b', 1]])).has('a'), false);
});

test('config: ordered thresholds are enforced with the fields named', () => {
  assert.throws(() => validateConfig({ health: { memory: { warningRatio: 0.9, criticalRatio: 0.5 } } }), /health\.memory\.criticalRatio: 0\.5 is below health\.memory\.warningRatio \(0\.9\)/);
  assert.throws(() => validateConfig({ health: { sinks: { stalledSeconds: 30, stuckSeconds: 5 } } }), /health\.sinks\.stuckSeconds/);
  assert.throws(() => validateConfig({ health: { queue: { warningRatio: 1.5 } } }), /health\.queue\.warningRatio/);
});

test('health-check exit codes: the most urgent failing check decides', () => {
  const body = '[-]queue failed: x\n[-]sink:file failed: writing\nreadiness check failed\n';
  assert.deepEqual(failingChecks(body), ['queue', 'sink:file']);
  assert.equal(healthExitCode(failingChecks(body)), 6);
  assert.equal(healthExitCode(['draining', 'heap']), 4);
  assert.equal(healthExitCode(['event-loop']), 5);
  assert.equal(healthExitCode(['oldest-record']), 7);
  assert.equal(healthExitCode(['draining']), 8);
  assert.equal(healthExitCode([]), 3);
});

test('memory and heap: value, threshold (the next ratio up, of their own limit, in bytes) and detail name their own limit', () => {
  const warnRss = Math.ceil(T.memory.warningRatio * 1024 * MiB);
  const heapUsed = Math.ceil(T.memory.criticalRatio * 2048 * MiB);
  const cs = evaluate(readings({ memory: { ...readings().memory, rssBytes: warnRss, heapUsedBytes: heapUsed } }), T);
  const mem = byName(cs, 'memory');
  assert.deepEqual([mem.status, mem.value, mem.threshold, mem.unit], ['warning', warnRss, Math.round(T.memory.criticalRatio * 1024 * MiB), 'bytes']);
  assert.match(mem.detail, /^rss [0-9.]+ MiB of 1024\.0 MiB cgroup limit \([0-9.]+%\)$/);
  const heap = byName(cs, 'heap');
  assert.deepEqual([heap.status, heap.value, heap.threshold, heap.affects], ['critical', heapUsed, Math.round(T.memory.criticalRatio * 2048 * MiB), { readiness: true, liveness: true }]);
  assert.match(heap.detail, /^heap [0-9.]+ MiB of 2048\.0 MiB V8 limit \([0-9.]+%\)$/);
});
