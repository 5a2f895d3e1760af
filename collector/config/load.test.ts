import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { environmentVariables, loadConfig, validateConfig } from './load.js';

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return [...err.issues];
  }
  assert.fail('expected a ConfigError');
}

test('embedded defaults: three inputs on 127.0.0.1, a file sink under ./data, metrics on 9090', () => {
  const c = loadConfig({});
  assert.deepEqual(c.inputs.map((i) => [i.type, i.bind[0]]), [
    ['zmq-pull', 'tcp://127.0.0.1:5555'],
    ['zmq-sub', 'tcp://127.0.0.1:5556'],
    ['zmq-router', 'tcp://127.0.0.1:5557'],
  ]);
  assert.equal(c.sinks[0].type, 'file');
  assert.equal(c.sinks[0].type === 'file' && c.sinks[0].path, './data');
  assert.equal(c.http.port, 9090);
  assert.equal(c.pipeline.ackMode, 'persisted');
});

test('file < environment < --set, with types coerced from the schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-cfg-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'pipeline:\n  workers: 3\n  ackMode: received\nhttp:\n  port: 1000\n');
  const c = loadConfig({ file, env: { ZLOG_HTTP_PORT: '2000', ZLOG_PIPELINE_QUEUE_MAX_RECORDS: '77777', ZLOG_REPO_ROOT: '/x' }, set: ['http.port=3000', 'pipeline.workers=0'] });
  assert.equal(c.pipeline.ackMode, 'received');
  assert.equal(c.pipeline.workers, 0);
  assert.equal(c.pipeline.queue.maxRecords, 77777);
  assert.equal(c.http.port, 3000);
});

test('errors name the path, the value and what was expected', () => {
  const got = issues(() => validateConfig({ pipeline: { workers: 100, ackMode: 'sometimes', extra: 1 }, sinks: [{ id: 'f', type: 'file', rotation: { maxBytes: 5 } }] }));
  assert.ok(got.includes('pipeline.workers: 100 is invalid: must be <= 64'), got.join('\n'));
  assert.ok(got.includes('pipeline.ackMode: "sometimes" is not allowed; expected one of "received", "persisted"'), got.join('\n'));
  assert.ok(got.includes('pipeline: unknown field "extra"'), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('sinks[0].rotation.maxBytes: 5 is invalid')), got.join('\n'));
});

test('bad environment values and unknown --set paths are reported by name', () => {
  const got = issues(() => loadConfig({ env: { ZLOG_HTTP_PORT: 'eighty' }, set: ['nope.x=1', 'novalue'] }));
  assert.ok(got.some((g) => g.startsWith('ZLOG_HTTP_PORT (http.port): "eighty" is not a number')), got.join('\n'));
  assert.ok(got.some((g) => g.includes('unknown setting "nope.x"')), got.join('\n'));
  assert.ok(got.some((g) => g.includes('expected PATH=VALUE')), got.join('\n'));
});

test('cross-field rules: unique ids, endpoints present', () => {
  const got = issues(() =>
    validateConfig({
      inputs: [
        { id: 'a', type: 'zmq-pull', bind: ['tcp://127.0.0.1:1'] },
        { id: 'a', type: 'zmq-router' },
        { id: 'c', type: 'zmq-sub', connect: ['tcp://127.0.0.1:2'] },
        { id: 'd', type: 'zmq-sub' },
      ],
    }),
  );
  assert.deepEqual(got, [
    'inputs[1].id: "a" is already used by inputs[0]; ids must be unique',
    'inputs[1]: needs at least one endpoint in bind',
    'inputs[3]: needs at least one endpoint in bind or connect',
  ]);
});

test('each kind\'s schema says what it takes: connect on a zmq-pull or zmq-router input is an unknown field naming the kind\'s fields', () => {
  const got = issues(() =>
    validateConfig({
      inputs: [
        { id: 'p', type: 'zmq-pull', bind: ['tcp://127.0.0.1:1'], connect: ['tcp://127.0.0.1:2'] },
        { id: 'r', type: 'zmq-router', bind: ['tcp://127.0.0.1:3'], connect: ['tcp://127.0.0.1:4'] },
      ],
    }),
  );
  assert.equal(got.length, 2, got.join('\n'));
  const takes = (line: string) => line.split(' takes ')[1].split(', ').sort();
  assert.match(got[0], /^inputs\[0\]: unknown field "connect"; a zmq-pull input takes /);
  assert.deepEqual(takes(got[0]), ['bind', 'format', 'framing', 'id', 'maxConnections', 'rcvHwm', 'receiver', 'security', 'topicFrame', 'topics', 'type']);
  assert.match(got[1], /^inputs\[1\]: unknown field "connect"; a zmq-router input takes /);
  assert.deepEqual(takes(got[1]), ['bind', 'format', 'framing', 'heartbeat', 'id', 'maxConnections', 'rcvHwm', 'receiver', 'security', 'topicFrame', 'topics', 'type']);
});

test('zmq-router heartbeat: defaults 2000/6000 ms; bounds and a timeout below the interval are named', () => {
  const cfg = validateConfig({ inputs: [{ id: 'r', type: 'zmq-router', bind: ['tcp://127.0.0.1:3'] }] });
  assert.deepEqual((cfg.inputs[0] as { heartbeat?: unknown }).heartbeat, { intervalMs: 2000, timeoutMs: 6000 });
  const got = issues(() =>
    validateConfig({
      inputs: [
        { id: 'a', type: 'zmq-router', bind: ['tcp://127.0.0.1:3'], heartbeat: { intervalMs: 5000, timeoutMs: 1000 } },
        { id: 'b', type: 'zmq-router', bind: ['tcp://127.0.0.1:4'], heartbeat: { intervalMs: 50 } },
      ],
    }),
  );
  assert.equal(got.length, 2, got.join('\n'));
  assert.ok(got.some((l) => l.includes('inputs[0].heartbeat.timeoutMs (1000) must be at least inputs[0].heartbeat.intervalMs (5000)')), got.join('\n'));
  assert.ok(got.some((l) => l.includes('inputs[1].heartbeat.intervalMs') && l.includes('100')), got.join('\n'));
});

test('one run names every problem: schema errors and the cross-field rules of the fields the schema accepted', () => {
  const got = issues(() =>
    validateConfig({
      pipeline: { workers: 'two', ackMode: 'Persisted' },
      inputs: [
        { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:5557'] },
        { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:5557'] },
        { id: 'odd', type: 'zmq-pull', bind: 'tcp://127.0.0.1:5558' },
      ],
    }),
  );
  assert.ok(got.some((g) => g.startsWith('pipeline.workers: "two" is invalid')), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('pipeline.ackMode: "Persisted" is not allowed')), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('inputs[1].id: "native" is already used by inputs[0]')), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('inputs[1].bind[0]: port 5557 is already bound by inputs[0].bind[0]')), got.join('\n'));
  // The badly typed field gets its schema error only, no cross-field noise built on its value.
  assert.deepEqual(got.filter((g) => g.startsWith('inputs[2]')).map((g) => g.slice(0, g.indexOf(':'))), ['inputs[2].bind'], got.join('\n'));
});

test('unreadable and non-YAML files are named in the error', () => {
  assert.match(issues(() => loadConfig({ file: '/nonexistent/zlog.yaml' }))[0], /config file \/nonexistent\/zlog.yaml: ENOENT/);
  const dir = mkdtempSync(join(tmpdir(), 'zlog-cfg-'));
  writeFileSync(join(dir, 'bad.yaml'), 'inputs: [\n');
  assert.match(issues(() => loadConfig({ file: join(dir, 'bad.yaml') }))[0], /not valid YAML/);
  writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n');
  assert.match(issues(() => loadConfig({ file: join(dir, 'list.yaml') }))[0], /expected a mapping at the top level, found a list/);
});

test('every scalar setting has an environment variable', () => {
  const names = environmentVariables().map((e) => e.name);
  assert.ok(names.includes('ZLOG_PIPELINE_ACK_MODE'));
  assert.ok(names.includes('ZLOG_LIMITS_MAX_DECOMPRESSED_BYTES'));
  assert.ok(names.includes('ZLOG_INPUTS'));
});

test('TOML files: same schema, same precise errors as YAML; the origin document\'s keys map onto zlog settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-toml-'));
  const file = join(dir, 'config.toml');
  writeFileSync(file, [
    '[pipeline]', 'ackMode = "received"', '[http]', 'host = "127.0.0.1"',
    '[[inputs]]', 'id = "native"', 'type = "zmq-router"', 'bind = ["tcp://127.0.0.1:5557"]',
    '[memory]', 'buffer_size = 2097152', 'max_buffers = 16', 'enable_compression = true',
    '[monitoring]', 'enable_metrics = true', 'metrics_port = 9191', 'health_check_interval = 5',
    '[worker_pool]', 'threads = 2', 'queue_size = 100000', 'batch_size = 500', '',
  ].join('\n'));
  const warnings: string[] = [];
  const cfg = loadConfig({ file, onWarning: (w) => warnings.push(w) });
  assert.equal(cfg.pipeline.ackMode, 'received');
  assert.deepEqual(cfg.inputs.map((i) => i.id), ['native']);
  assert.deepEqual([cfg.pipeline.bufferPool.bufferBytes, cfg.pipeline.bufferPool.buffers, cfg.http.port, cfg.health.intervalMs], [2097152, 16, 9191, 5000]);
  assert.deepEqual([cfg.pipeline.workers, cfg.pipeline.queue.maxRecords, cfg.pipeline.batch.maxRecords], [2, 100000, 500]);
  assert.deepEqual(warnings.map((w) => w.replace(/^config file .*?: /, '').replace(/ is ignored.*/, '')), ['[memory] enable_compression', '[monitoring] enable_metrics']);
  // The errors a YAML file gets, for the same mistakes; seed keys are named as the user wrote them.
  writeFileSync(file, '[pipeline]\nworkers = -1\n[[sinks]]\nid = "f"\ntype = "file"\nfsync = "sometimes"\n');
  const toml = issues(() => loadConfig({ file }));
  writeFileSync(join(dir, 'c.yaml'), 'pipeline:\n  workers: -1\nsinks:\n  - {id: f, type: file, fsync: sometimes}\n');
  assert.deepEqual(toml, issues(() => loadConfig({ file: join(dir, 'c.yaml') })));
  assert.ok(toml.some((g) => g.startsWith('pipeline.workers: -1 is invalid: must be >= 0')), toml.join('\n'));
  writeFileSync(file, '[worker_pool]\nthreads = -1\nnope = 1\n');
  assert.deepEqual(issues(() => loadConfig({ file })), [`config file ${file}: [worker_pool] nope: unknown key; [worker_pool] takes threads, queue_size, batch_size`]);
  writeFileSync(file, '[worker_pool]\nthreads = -1\n');
  assert.deepEqual(issues(() => loadConfig({ file })), ['[worker_pool] threads (pipeline.workers): -1 is invalid: must be >= 0']);
  writeFileSync(file, '[worker_pool]\nthreads = 2\n[pipeline]\nworkers = 3\n');
  assert.ok(issues(() => loadConfig({ file }))[0].endsWith('[worker_pool] threads: also set as pipeline.workers; keep one'));
  writeFileSync(file, 'x = = 1\n');
  assert.match(issues(() => loadConfig({ file }))[0], /config\.toml: not valid TOML: .*\n\n1:  x = = 1/);
  writeFileSync(file, '[http]\nport = 2026-11-29T10:00:00Z\n');
  assert.match(issues(() => loadConfig({ file })).join('\n'), /http\.port: "2026-11-29T10:00:00.000Z" is invalid: must be integer/);
});

test('HTTP sinks: batch.maxEvents above 100,000 is refused, naming the field (a bulk response must fit the 64 MiB the sink reads)', () => {
  const ok = validateConfig({ sinks: [{ id: 'es', type: 'elasticsearch', endpoint: 'http://127.0.0.1:9/x', batch: { maxEvents: 100_000 } }] });
  assert.equal((ok.sinks[0] as { batch?: { maxEvents?: number } }).batch?.maxEvents, 100_000);
  for (const type of ['elasticsearch', 'loki']) {
    const got = issues(() => validateConfig({ sinks: [{ id: 's', type, endpoint: 'http://127.0.0.1:9/x', batch: { maxEvents: 400_000 } }] }));
    assert.ok(got.some((l) => l.includes('sinks[0].batch.maxEvents') && l.includes('100000')), got.join('\n'));
  }
});
