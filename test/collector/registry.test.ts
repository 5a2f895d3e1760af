// Adding an input kind and a sink kind through the kind lists alone: the toy kinds in toy-kinds/ are written
// against the generic contracts and handed to the config loader, the docs generator and a real collector
// (real TCP socket, real worker thread, real pipeline and sink stage) as extra kinds; no collector file names
// them. Also: the built-in lists are consistent (schema type = entry type, schema side = create side).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { validateConfig } from '../../collector/config/load.js';
import { renderReference } from '../../collector/config/reference.js';
import { ConfigError } from '../../collector/errors.js';
import { BUILTIN_KINDS, INPUT_KINDS, SINK_KINDS, withKinds } from '../../collector/registry/index.js';
import { INPUT_SCHEMAS, SINK_SCHEMAS } from '../../collector/registry/schemas.js';
import { Collector } from '../../collector/server.js';
import { waitFor } from '../helpers/net.js';
import { captureKind, captured } from './toy-kinds/capture/index.js';
import { lifecycle, tcpLinesKind } from './toy-kinds/tcp-lines/index.js';

const kinds = withKinds({ inputs: [tcpLinesKind], sinks: [captureKind] });

function configError(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  assert.fail('expected a ConfigError');
}

test('the schema-only lists and the full lists name the same kinds, each schema typed as its entry', () => {
  assert.deepEqual(INPUT_KINDS.map((k) => k.type), INPUT_SCHEMAS.map((k) => k.type));
  assert.deepEqual(SINK_KINDS.map((k) => k.type), SINK_SCHEMAS.map((k) => k.type));
  for (const k of [...BUILTIN_KINDS.inputs, ...BUILTIN_KINDS.sinks]) assert.equal(k.schema.properties.type.const, k.type);
  assert.throws(() => withKinds({ sinks: [{ ...captureKind, type: 'file' }] }), /sink kind "file" is listed twice/);
});

test('extra kinds: the loader applies their defaults and rules; without them their type is refused', () => {
  const cfg = validateConfig({ inputs: [{ id: 'toy', type: 'tcp-lines' }], sinks: [{ id: 'cap', type: 'capture' }] }, kinds);
  assert.deepEqual(cfg.inputs[0], { id: 'toy', type: 'tcp-lines', host: '127.0.0.1', port: 0, format: 'auto' });
  assert.deepEqual(cfg.sinks[0], { id: 'cap', type: 'capture', maxLines: 10_000 });

  const schemaIssues = configError(() => validateConfig({ inputs: [{ id: 'toy', type: 'tcp-lines' }], sinks: [{ id: 'cap', type: 'capture', path: '/x' }] }, kinds));
  assert.deepEqual(schemaIssues, ['sinks[0]: unknown field "path"; a capture sink takes id, type, maxLines']);
  const ruleIssues = configError(() => validateConfig({ inputs: [{ id: 'toy', type: 'tcp-lines', port: 80 }], sinks: [{ id: 'cap', type: 'capture' }] }, kinds));
  assert.deepEqual(ruleIssues, ['inputs[0].port: 80 is privileged; use 0 or >= 1024']);

  const unknown = configError(() => validateConfig({ inputs: [{ id: 'toy', type: 'tcp-lines' }] }));
  assert.ok(unknown.some((i) => i.startsWith('inputs[0].type: "tcp-lines" is not allowed; expected one of "zmq-pull", "zmq-sub", "zmq-router"')), unknown.join('\n'));
});

test('extra kinds get their own sections in the generated configuration reference', () => {
  const doc = renderReference(kinds);
  assert.match(doc, /#### `inputs\[\]` with `type: tcp-lines`\n\nToy: newline-separated records over TCP\./);
  assert.match(doc, /\| `inputs\[\]\.port` \| integer \| `0` \| 0 picks a free port; ≥ 0, ≤ 65535 \|/);
  assert.match(doc, /#### `sinks\[\]` with `type: capture`/);
  assert.doesNotMatch(renderReference(), /tcp-lines/);
});

test('a real collector runs a toy input and a toy sink end to end, through the whole lifecycle', async () => {
  const cfg = validateConfig(
    {
      inputs: [{ id: 'toy', type: 'tcp-lines', format: 'json' }],
      sinks: [{ id: 'cap', type: 'capture' }],
      http: { port: 0 },
      admin: { port: 0 },
      pipeline: { workers: 1, ackMode: 'received' },
      drain: { timeoutSeconds: 10 },
    },
    kinds,
  );
  const collector = new Collector(cfg, { kinds, log: pino({ level: 'silent' }) });
  await collector.start();
  try {
    const endpoint = (collector.status().inputs as { endpoints: string[] }[])[0].endpoints[0];
    const port = Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
    assert.ok(port > 0, endpoint);
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    const sent = Array.from({ length: 50 }, (_, i) => JSON.stringify({ msg: `record ${i}`, level: 'warn' }));
    sock.end(sent.join('\n') + '\n');
    await waitFor('all records in the capture sink', () => (captured.get('cap')?.lines.length ?? 0) >= sent.length);
    const records = captured.get('cap')!.lines.map((l) => JSON.parse(l) as { message: string; input: string; severity?: string });
    assert.deepEqual(records.map((r) => r.message), sent.map((_, i) => `record ${i}`), 'every record, in order');
    assert.ok(records.every((r) => r.input === 'toy'));
    assert.ok(records.every((r) => r.severity === 'warning'), 'decoded as JSON, as the toy input config said');
    const result = await collector.drain();
    assert.equal(result.ok, true);
    assert.equal(result.unwritten, 0);
  } finally {
    await collector.close();
  }
  assert.deepEqual(lifecycle.get('toy')?.slice(0, 4), ['create:received', 'start', 'stopAccepting', 'finish']);
  assert.ok(lifecycle.get('toy')?.includes('close'));
  assert.deepEqual(captured.get('cap')?.calls.slice(0, 2), ['open', 'flush']);
  assert.ok(captured.get('cap')?.calls.includes('close'));
});
