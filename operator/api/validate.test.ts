import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpec, describeErrors } from './validate.js';
import { parseQuantity } from './quantity.js';
import { renderCollectorConfig } from './collector-config.js';

test('an empty spec is valid and fully defaulted', () => {
  const r = validateSpec({});
  assert.ok(r.ok);
  assert.equal(r.spec.replicas, 1);
  assert.deepEqual(r.spec.inputs.map((i) => [i.name, i.port, i.framing]), [['pull', 5555, 'frame'], ['sub', 5556, 'frame'], ['native', 5557, 'frame']]);
  assert.equal(r.spec.sinks[0].type, 'file');
  assert.equal(r.spec.pipeline.queue.maxBytes, undefined, 'derived, not stored');
  assert.equal(renderCollectorConfig(r.spec).pipeline.queue.maxBytes, 134_217_728);
  assert.equal(r.spec.monitoring.serviceMonitor.enabled, false);
  assert.equal(r.spec.storage.type, 'emptyDir');
  assert.equal(r.spec.drainTimeoutSeconds, 25);
});

test('the input object is not modified', () => {
  const raw = { replicas: 2 };
  validateSpec(raw);
  assert.deepEqual(raw, { replicas: 2 });
});

test('schema errors name the field path', () => {
  const r = validateSpec({ replicas: -1, sinks: [{ name: 'f', type: 'file', file: { bogus: 1 } }], inputs: [{ name: 'x', type: 'zmq-pull' }] });
  assert.ok(!r.ok);
  const paths = r.errors.map((e) => e.path);
  assert.ok(paths.includes('spec.replicas'), paths.join());
  assert.ok(paths.includes('spec.sinks[0].file.bogus'), paths.join());
  assert.ok(paths.includes('spec.inputs[0].port'), paths.join());
});

test('enum errors list the allowed values', () => {
  const r = validateSpec({ imagePullPolicy: 'Sometimes' });
  assert.ok(!r.ok);
  assert.match(describeErrors(r.errors), /spec\.imagePullPolicy: .*"Always"/);
});

test('cross-field rules report their field', () => {
  const cases: Array<[unknown, string]> = [
    [{ sinks: [{ name: 'o', type: 'stdout', file: {} }] }, 'spec.sinks'],
    [{ inputs: [{ name: 'a', type: 'zmq-pull', port: 1 }, { name: 'b', type: 'zmq-sub', port: 1 }] }, 'spec.inputs'],
    [{ metricsPort: 5555 }, 'spec.metricsPort'],
    [{ inputs: [{ name: 'a', type: 'zmq-pull', port: 1, topics: ['x'] }] }, 'spec.inputs'],
    [{ storage: { type: 'persistentVolumeClaim' } }, 'spec.storage.persistentVolumeClaim'],
    [{ pipeline: { queue: { maxBytes: 65536 }, batch: { maxBytes: 65537 } } }, 'spec.pipeline.batch.maxBytes'],
    [{ pipeline: { queue: { maxRecords: 1000 }, batch: { maxRecords: 1001 } } }, 'spec.pipeline.batch.maxRecords'],
    [{ resources: { limits: { memory: '160Mi' } }, pipeline: { queue: { maxBytes: 160 * 2 ** 20 } } }, 'spec.pipeline.queue.maxBytes'],
    [{ resources: { limits: { memory: '100Mi' } } }, 'spec.resources.limits.memory'],
    [{ resources: { limits: { memory: '128Mi' } } }, 'spec.resources.limits.memory'],
    [{ resources: { limits: { memory: 160 * 2 ** 20 - 1 } } }, 'spec.resources.limits.memory'],
  ];
  for (const [spec, path] of cases) {
    const r = validateSpec(spec);
    assert.ok(!r.ok, JSON.stringify(spec));
    assert.deepEqual(r.errors.map((e) => e.path), [path]);
  }
  assert.ok(validateSpec({ resources: { limits: { memory: '1Gi' } } }).ok);
  assert.ok(validateSpec({ resources: { limits: { memory: '160Mi' } } }).ok, 'the floor itself is enough');
  const small = validateSpec({ resources: { limits: { memory: '100Mi' } } });
  assert.ok(!small.ok && /at least 160Mi/.test(small.errors[0].message), 'the message names the floor');
});

test('memory limits: an unset queue size is derived to fit them (a quarter, at most the default)', () => {
  const cases: Array<[string | number, number, number]> = [
    ['160Mi', 40 * 2 ** 20, 4 * 2 ** 20],
    ['128Mi', 32 * 2 ** 20, 4 * 2 ** 20],
    ['64Mi', 16 * 2 ** 20, 4 * 2 ** 20],
    ['8Mi', 2 * 2 ** 20, 2 * 2 ** 20],
    ['1Gi', 128 * 2 ** 20, 4 * 2 ** 20],
    [2 ** 20, 2 ** 18, 2 ** 18],
    [200_000, 65536, 65536],
  ];
  for (const [memory, queue, batch] of cases) {
    const r = validateSpec({ resources: { limits: { memory } } });
    // Limits below the collector's floor are refused, but the queue they would get is still derived to fit.
    const floor = parseQuantity(memory)! < 160 * 2 ** 20;
    assert.ok(r.ok || (floor && r.errors.every((e) => e.path === 'spec.resources.limits.memory')), `${memory}: ${JSON.stringify(!r.ok && r.errors)}`);
    const defaulted = validateSpec({});
    assert.ok(defaulted.ok);
    const cfg = renderCollectorConfig(r.ok ? r.spec : { ...defaulted.spec, resources: { limits: { memory } } });
    assert.equal(cfg.pipeline.queue.maxBytes, queue, `queue for ${memory}`);
    assert.equal(cfg.pipeline.batch.maxBytes, batch, `batch for ${memory}`);
  }
  // What the user sets is kept, and still checked.
  const set = validateSpec({ resources: { limits: { memory: '1Gi' } }, pipeline: { queue: { maxBytes: 2 ** 20 } } });
  assert.ok(set.ok);
  assert.equal(renderCollectorConfig(set.spec).pipeline.queue.maxBytes, 2 ** 20);
  assert.equal(renderCollectorConfig(set.spec).pipeline.batch.maxBytes, 2 ** 20);
});

test('quantities', () => {
  assert.equal(parseQuantity('64Mi'), 64 * 2 ** 20);
  assert.equal(parseQuantity('1G'), 1e9);
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity(12), 12);
  assert.equal(parseQuantity('12x'), undefined);
});
