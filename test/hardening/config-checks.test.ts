// Issue 9, configuration: values that used to be accepted and then misbehave at run time (a 1 ms timer, port
// 99999 bound as 34463, a batch larger than the queue, a port bound twice) exit 2 at `validate` and at `start`,
// naming the field.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { CLI } from '../helpers/collector-process.js';

function zlog(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'zlog-cfgchk-'));
const base = {
  inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] }],
  sinks: [{ id: 'file', type: 'file', path: join(dir, 'out') }],
  http: { host: '127.0.0.1', port: 0 },
};

const cases: { name: string; cfg: Record<string, unknown>; field: RegExp }[] = [
  { name: 'fsync timer above 2^31-1 ms', cfg: { sinks: [{ id: 'file', type: 'file', path: join(dir, 'out'), fsync: 'interval', fsyncIntervalMs: 1e11 }] }, field: /sinks\[0\]\.fsyncIntervalMs: 100000000000 is invalid: must be <= 2147483647/ },
  { name: 'retry timer above 2^31-1 ms', cfg: { retry: { initialDelayMs: 100, maxDelayMs: 2 ** 31 } }, field: /retry\.maxDelayMs: 2147483648 is invalid: must be <= 2147483647/ },
  { name: 'input port above 65535', cfg: { inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:99999'] }] }, field: /inputs\[0\]\.bind\[0\]: port 99999 .* is above 65535/ },
  { name: 'batch.maxRecords above queue.maxRecords', cfg: { pipeline: { queue: { maxRecords: 1000 }, batch: { maxRecords: 5000 } } }, field: /pipeline\.batch\.maxRecords: 5000 exceeds pipeline\.queue\.maxRecords \(1000\)/ },
  { name: 'input port equal to the HTTP port', cfg: { inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:19999'] }], http: { host: '127.0.0.1', port: 19999 } }, field: /http\.port: port 19999 is already bound by inputs\[0\]\.bind\[0\]/ },
  { name: 'two inputs on one port (wildcard host)', cfg: { inputs: [{ id: 'a', type: 'zmq-pull', bind: ['tcp://*:19998'] }, { id: 'b', type: 'zmq-router', bind: ['tcp://127.0.0.1:19998'] }] }, field: /inputs\[1\]\.bind\[0\]: port 19998 is already bound by inputs\[0\]\.bind\[0\]/ },
  { name: 'file sink under /dev', cfg: { sinks: [{ id: 'file', type: 'file', path: '/dev' }] }, field: /sinks\[0\]\.path: \/dev is under \/dev \(device nodes\)/ },
  { name: 'one file in two spellings', cfg: { sinks: [{ id: 'a', type: 'file', path: join(dir, 'x') }, { id: 'b', type: 'file', path: join(dir, 'x') + '/./' }] }, field: /sinks\[1\]: file .*x\/zlog\.ndjson is already used by sinks\[0\]/ },
];

for (const c of cases) {
  test(`config: ${c.name} exits 2 at validate and start, naming the field`, () => {
    const file = join(dir, `${c.name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, YAML.stringify({ ...base, ...c.cfg }));
    for (const cmd of ['validate', 'start']) {
      const r = zlog([cmd, '--config', file]);
      assert.equal(r.code, 2, `${cmd}: exit ${r.code}\n${r.err}`);
      assert.match(r.err, c.field, `${cmd}:\n${r.err}`);
    }
  });
}

test('config: the largest valid timer and port are accepted', () => {
  const file = join(dir, 'ok.yaml');
  writeFileSync(file, YAML.stringify({ ...base, inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:65535'] }], retry: { maxDelayMs: 2 ** 31 - 1 } }));
  const r = zlog(['validate', '--config', file]);
  assert.equal(r.code, 0, r.err);
});
