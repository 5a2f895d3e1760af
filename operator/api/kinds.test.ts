import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputFieldsOf, kindRulesOf, sinkKindPropsOf, structural, type Offered } from './kinds.js';
import { logServerSpecSchema } from './schema.js';
import { validateSpec } from './validate.js';
import { renderCollectorConfig } from './collector-config.js';
import { fileSinkSchema } from '../../collector/sinks/file/schema.js';
import type { FileSinkSpec, LogServerInput, LogServerSink, LogServerSpec } from './types.js';

// Toy kind specs in the shape of collector/registry (only what kinds.ts reads), to show that a kind is offered,
// with its fields and rules, by its own entry alone.
const level = { enum: ['low', 'high'], default: 'low', description: 'how loud' } as const;
const toyInput = (type: string, fields: string[], extra: Record<string, object> = {}): Offered => ({
  type,
  schema: { description: `A ${type} input: toy.`, required: ['id', 'type'], properties: { id: {}, type: { const: type }, level, window: { type: 'integer', default: 5, description: 'seconds' }, ...extra } },
  logServer: { fields },
});

test('input fields: one flat field per offered field; a field only some kinds take loses its default and names them', () => {
  const props = inputFieldsOf([toyInput('a', ['level']), toyInput('b', ['level', 'window'])]) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(props), ['level', 'window']);
  assert.deepEqual(props.level, { type: 'string', ...level }, 'enum-only node made structural, default kept');
  assert.equal(props.window.default, undefined);
  assert.match(String(props.window.description), /only b\)$/);
});

test('input fields: kinds that disagree on a field, or offer id/type or a field they lack, are refused', () => {
  assert.throws(() => inputFieldsOf([toyInput('a', ['level']), toyInput('b', ['level'], { level: { type: 'string' } })]), /disagree on the schema of level/);
  assert.throws(() => inputFieldsOf([toyInput('a', ['id'])]), /kind a: logServer.fields must not list id/);
  assert.throws(() => inputFieldsOf([toyInput('a', ['nope'])]), /lists nope, which its schema does not have/);
});

test('sink kinds: an object per kind with fields, its required fields required; rules keep each on its kind', () => {
  const noisy: Offered = {
    type: 'noisy',
    schema: { description: 'Noisy: toy.', required: ['id', 'type', 'level', 'dir'], properties: { id: {}, type: {}, level, dir: { type: 'string' } } },
    logServer: { fields: ['level'], podFields: (d) => ({ dir: d }) },
  };
  const quiet: Offered = { type: 'quiet', schema: { description: 'Quiet.', required: ['id', 'type'], properties: { id: {}, type: {} } }, logServer: { fields: [] } };
  const props = sinkKindPropsOf([noisy, quiet]) as Record<string, { required?: string[]; properties: object }>;
  assert.deepEqual(Object.keys(props), ['noisy'], 'a kind without fields gets no object');
  assert.deepEqual(props.noisy.required, ['level'], 'dir is required of the collector entry but is the pod\'s');
  const rules = kindRulesOf([toyInput('a', ['level']), toyInput('b', ['level', 'window'])], [noisy, quiet]);
  assert.deepEqual(rules.map((r) => r.message), [
    'inputs[].window may only be set on an input of type b',
    'sinks[].noisy may only be set on a sink of type noisy',
    'a sink of type noisy needs sinks[].noisy (with level)',
  ]);
  const [window, noisyOnly, noisyNeeds] = rules;
  assert.equal(window.holds([{ type: 'b', window: 3 }, { type: 'a' }]), true);
  assert.equal(window.holds([{ type: 'a', window: 3 }]), false);
  assert.equal(noisyOnly.holds([{ type: 'quiet', noisy: {} }]), false);
  assert.equal(noisyNeeds.holds([{ type: 'noisy' }]), false);
  assert.equal(noisyNeeds.holds([{ type: 'noisy', noisy: { level: 'low' } }, { type: 'quiet' }]), true);
  assert.equal(window.cel, "!has(self.inputs) || self.inputs.all(i, i.type in ['b'] || !has(i.window))");
});

test('the LogServer file sink settings are the file kind\'s own field schemas (bounds, defaults, docs)', () => {
  const file = logServerSpecSchema.properties.sinks.items.properties.file.properties;
  for (const [f, node] of Object.entries(file)) assert.deepEqual(node, structural((fileSinkSchema.properties as Record<string, unknown>)[f]), f);
  assert.ok('fsyncIntervalMs' in file);
  assert.ok(!('path' in file), 'the directory is the pod\'s');
});

test('a per-kind field on the wrong kind is refused with the field named; a file sink\'s settings reach the collector config', () => {
  const wrongSink = validateSpec({ sinks: [{ name: 'out', type: 'stdout', file: { compress: false } }] });
  assert.ok(!wrongSink.ok);
  assert.deepEqual(wrongSink.errors, [{ path: 'spec.sinks', message: 'sinks[].file may only be set on a sink of type file' }]);
  const wrongInput = validateSpec({ inputs: [{ name: 'p', type: 'zmq-pull', port: 5555, topics: ['a'] }] });
  assert.ok(!wrongInput.ok);
  assert.deepEqual(wrongInput.errors, [{ path: 'spec.inputs', message: 'inputs[].topics may only be set on an input of type zmq-sub' }]);
  const r = validateSpec({
    inputs: [{ name: 's', type: 'zmq-sub', port: 5556, topics: [] }, { name: 'p', type: 'zmq-pull', port: 5555, rcvHwm: 7 }],
    sinks: [{ name: 'f', type: 'file', file: { fsync: 'interval', fsyncIntervalMs: 250 } }, { name: 'o', type: 'stdout' }],
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const cfg = renderCollectorConfig(r.spec);
  assert.deepEqual(cfg.sinks[0], { ...cfg.sinks[0], id: 'f', type: 'file', path: '/var/lib/zlog/f', fsync: 'interval', fsyncIntervalMs: 250 });
  assert.deepEqual(cfg.sinks[1], { id: 'o', type: 'stdout' });
  const [sub, pull] = cfg.inputs as unknown as Record<string, unknown>[];
  assert.deepEqual([sub.topics, sub.topicFrame], [[''], true], 'empty topics: everything; topicFrame: the zmq-sub kind\'s default');
  assert.deepEqual([pull.rcvHwm, pull.topicFrame, pull.bind], [7, false, ['tcp://*:5555']]);
});

test("a zmq-router entry's heartbeat setting reaches the collector config (defaults filled in); on another kind it is refused", () => {
  const wrong = validateSpec({ inputs: [{ name: 'p', type: 'zmq-pull', port: 5555, heartbeat: { intervalMs: 500 } }] });
  assert.ok(!wrong.ok);
  assert.deepEqual(wrong.errors, [{ path: 'spec.inputs', message: 'inputs[].heartbeat may only be set on an input of type zmq-router' }]);
  const r = validateSpec({ inputs: [{ name: 'n', type: 'zmq-router', port: 5557, heartbeat: { intervalMs: 500 } }, { name: 'm', type: 'zmq-router', port: 5558 }] });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const [set, unset] = renderCollectorConfig(r.spec).inputs as unknown as Record<string, unknown>[];
  assert.deepEqual(set.heartbeat, { intervalMs: 500, timeoutMs: 6000 });
  assert.deepEqual(unset.heartbeat, { intervalMs: 2000, timeoutMs: 6000 });
});

test('a remote sink is offered with its own settings: required ones named, file paths refused, rendered into the collector config', () => {
  const bare = validateSpec({ sinks: [{ name: 'es', type: 'elasticsearch' }] });
  assert.ok(!bare.ok);
  assert.deepEqual(bare.errors, [{ path: 'spec.sinks', message: 'a sink of type elasticsearch needs sinks[].elasticsearch (with endpoint)' }]);
  const noEndpoint = validateSpec({ sinks: [{ name: 'es', type: 'elasticsearch', elasticsearch: { index: 'x' } }] });
  assert.ok(!noEndpoint.ok);
  assert.deepEqual(noEndpoint.errors.map((e) => e.path), ['spec.sinks[0].elasticsearch.endpoint']);
  const paths = validateSpec({ sinks: [{ name: 'lk', type: 'loki', loki: { endpoint: 'http://vl:9428/insert', auth: { passwordFile: '/x' } } }] });
  assert.ok(!paths.ok, 'a LogServer names credentials as Secret items (passwordSecret), not as files');
  assert.deepEqual(paths.errors.map((e) => e.path), ['spec.sinks[0].loki.auth.passwordFile']);
  const r = validateSpec({
    sinks: [
      { name: 'es', type: 'elasticsearch', elasticsearch: { endpoint: 'http://vl:9428/insert/elasticsearch', streamFields: ['app'] } },
      { name: 'lk', type: 'loki', loki: { endpoint: 'http://vl:9428/insert', labels: ['host'] } },
    ],
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const [es, lk] = renderCollectorConfig(r.spec).sinks as unknown as Record<string, unknown>[];
  assert.deepEqual([es.type, es.endpoint, es.streamFields, es.index], ['elasticsearch', 'http://vl:9428/insert/elasticsearch', ['app'], 'zlog']);
  assert.deepEqual([lk.type, lk.endpoint, lk.labels], ['loki', 'http://vl:9428/insert', ['host']]);
});

// Compile-time checks that the derived types say what the schema says (a wrong one fails the build).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typeChecks: [
  Same<LogServerSink['type'], 'file' | 'stdout' | 'elasticsearch' | 'loki'>,
  Same<LogServerInput['type'], 'zmq-pull' | 'zmq-sub' | 'zmq-router'>,
  Same<LogServerInput['topics'], string[] | undefined>,
  Same<LogServerInput['framing'], 'frame' | 'lines' | 'message'>,
  Same<FileSinkSpec['fsync'], 'batch' | 'interval' | 'never'>,
  Same<LogServerSpec['pipeline']['queue']['maxBytes'], number | undefined>,
  Same<LogServerSpec['replicas'], number>,
] = [true, true, true, true, true, true, true];
void typeChecks;
