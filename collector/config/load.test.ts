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
  const c = loadConfig({ file, env: { ZLOG_HTTP_PORT: '2000', ZLOG_PIPELINE_QUEUE_MAX_RECORDS: '77', ZLOG_REPO_ROOT: '/x' }, set: ['http.port=3000', 'pipeline.workers=0'] });
  assert.equal(c.pipeline.ackMode, 'received');
  assert.equal(c.pipeline.workers, 0);
  assert.equal(c.pipeline.queue.maxRecords, 77);
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

test('cross-field rules: unique ids, endpoints present, connect only on sub', () => {
  const got = issues(() =>
    validateConfig({
      inputs: [
        { id: 'a', type: 'zmq-pull', bind: ['tcp://127.0.0.1:1'] },
        { id: 'a', type: 'zmq-router' },
        { id: 'c', type: 'zmq-pull', connect: ['tcp://127.0.0.1:2'] },
      ],
    }),
  );
  assert.ok(got.some((g) => g.startsWith('inputs[1].id: "a" is already used by inputs[0]')), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('inputs[1]: needs at least one endpoint')), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('inputs[2].connect: only zmq-sub inputs connect')), got.join('\n'));
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
