// deadLetterPath and pipeline.sinkQueue in a LogServer: a dead-letter file is a name in the sink's directory on
// the data volume, bounded by deadLetterMaxBytes; the sink queues are bounded by the memory limit like the queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpec } from './validate.js';
import { collectorConfigErrors, renderCollectorConfig } from './collector-config.js';
import { buildCrd } from './crd.js';
import { OFFERED_SINKS, reservedDataNames, type Offered } from './kinds.js';

const vl = (type: 'elasticsearch' | 'loki', extra: Record<string, unknown> = {}) => ({ name: 'vl', type, [type]: { endpoint: 'http://vl.logs.svc:9428/insert', ...extra } });

function rendered(spec: unknown) {
  const r = validateSpec(spec);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const config = renderCollectorConfig(r.spec);
  assert.deepEqual(collectorConfigErrors(config), []);
  return config as unknown as { sinks: Record<string, unknown>[]; pipeline: { sinkQueue: { maxBytes: number; maxBatches: number }; queue: { maxBytes: number } } };
}

test('deadLetterPath is a file name in the sink directory on the data volume; deadLetterMaxBytes bounds it', () => {
  for (const type of ['elasticsearch', 'loki'] as const) {
    const c = rendered({ sinks: [vl(type, { deadLetterPath: 'rejected.ndjson', deadLetterMaxBytes: 1048576, buffer: { type: 'disk' } })] });
    assert.equal(c.sinks[0].deadLetterPath, '/var/lib/zlog/vl/rejected.ndjson');
    assert.equal(c.sinks[0].deadLetterMaxBytes, 1048576);
    assert.equal((c.sinks[0].buffer as { path: string }).path, '/var/lib/zlog/vl/buffer');
    // Unset: no file, and the collector's bound stays the default for a file set later.
    const none = rendered({ sinks: [vl(type)] });
    assert.equal(none.sinks[0].deadLetterPath, undefined);
    assert.equal(none.sinks[0].deadLetterMaxBytes, 64 * 1024 * 1024);
  }
});

test('a dead-letter name with a directory part, a hidden name or the buffer directory is refused, naming the field', () => {
  const errorsOf = (extra: Record<string, unknown>) => {
    const r = validateSpec({ sinks: [vl('elasticsearch', extra)] });
    assert.ok(!r.ok, JSON.stringify(extra));
    return r.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
  };
  for (const bad of ['/var/log/x', '../x', 'a/b', '..', '.hidden', '']) assert.match(errorsOf({ deadLetterPath: bad }), /^spec\.sinks\[0\]\.elasticsearch\.deadLetterPath: /, bad);
  assert.match(errorsOf({ deadLetterPath: 'buffer' }), /sinks\[\]\.elasticsearch\.deadLetterPath must not be buffer/);
  assert.match(errorsOf({ deadLetterMaxBytes: 10 }), /^spec\.sinks\[0\]\.elasticsearch\.deadLetterMaxBytes: /);
  assert.deepEqual(reservedDataNames(OFFERED_SINKS.find((k) => k.type === 'elasticsearch') as Offered), ['buffer']);
});

test('the CRD offers deadLetterPath as a file name and pipeline.sinkQueue without a fixed maxBytes default', () => {
  const spec = (buildCrd() as any).spec.versions[0].schema.openAPIV3Schema.properties.spec;
  for (const kind of ['elasticsearch', 'loki']) {
    const p = spec.properties.sinks.items.properties[kind].properties;
    assert.equal(p.deadLetterPath.pattern, '^[A-Za-z0-9_-][A-Za-z0-9._-]*$');
    assert.equal(p.deadLetterMaxBytes.default, 64 * 1024 * 1024);
  }
  const q = spec.properties.pipeline.properties.sinkQueue;
  assert.equal(q.properties.maxBytes.default, undefined, 'derived from the memory limit when unset');
  assert.equal(q.properties.maxBatches.default, 4096);
  const rules = JSON.stringify(spec['x-kubernetes-validations']);
  assert.match(rules, /deadLetterPath in \['buffer'\]/);
});

test('pipeline.sinkQueue: set values go through; unset maxBytes is the default, or the queue size when a memory limit makes that smaller', () => {
  const set = rendered({ pipeline: { sinkQueue: { maxBytes: 1048576, maxBatches: 64 } } });
  assert.deepEqual(set.pipeline.sinkQueue, { maxBytes: 1048576, maxBatches: 64 });
  assert.deepEqual(rendered({}).pipeline.sinkQueue, { maxBytes: 64 * 1024 * 1024, maxBatches: 4096 });
  const small = rendered({ resources: { limits: { memory: '160Mi' } } });
  assert.equal(small.pipeline.queue.maxBytes, 40 * 1024 * 1024);
  assert.equal(small.pipeline.sinkQueue.maxBytes, 40 * 1024 * 1024);
  const r = validateSpec({ pipeline: { sinkQueue: { maxBytes: 1000 } } });
  assert.ok(!r.ok && r.errors.some((e) => e.path === 'spec.pipeline.sinkQueue.maxBytes'), 'below the collector minimum is refused at its path');
});
