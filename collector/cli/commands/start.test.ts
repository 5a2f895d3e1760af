import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../exit.js';
import { startConfig } from './start.js';

const doc = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');

test("the origin document's `start --config config.toml --port 5556`, as docs/configuration.md writes it, runs: the embedded SUB input on 5556 gives way", (t) => {
  const section = doc.slice(doc.indexOf("The origin document's own file and command run as written"));
  const toml = /```toml\n([\s\S]*?)```/.exec(section)?.[1];
  const command = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(toml && command, 'docs/configuration.md lost the origin document example');
  assert.equal(command, 'zlog start --config config.toml --port 5556');
  const dir = mkdtempSync(join(tmpdir(), 'zlog-seed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.toml'), toml);
  const errors = t.mock.method(console, 'error', () => undefined);
  const cfg = startConfig({ config: join(dir, 'config.toml'), port: 5556, logFormat: 'json' });
  assert.deepEqual(cfg.inputs.map((i) => [i.id, i.type, 'bind' in i ? i.bind : []]), [
    ['pull', 'zmq-pull', ['tcp://127.0.0.1:5555']],
    ['native', 'zmq-router', ['tcp://127.0.0.1:5556']],
  ]);
  assert.deepEqual([cfg.pipeline.workers, cfg.pipeline.queue.maxRecords, cfg.http.port], [2, 100000, 9090]);
  const said = errors.mock.calls.map((c) => String(c.arguments[0]));
  assert.ok(said.some((m) => /--port 5556: the embedded default input "sub" \(zmq-sub on tcp:\/\/127\.0\.0\.1:5556\) is not started/.test(m)), said.join('\n'));
});

test('--port on a port an input of the configuration binds is a usage error naming that input', () => {
  // The SUB input is the user's now (its topics changed), so it does not silently give way.
  assert.throws(() => startConfig({ set: ['inputs[1].topics=["app"]'], port: 5556, logFormat: 'json' }), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /--port 5556: input "sub" \(inputs\[1\]\) binds tcp:\/\/127\.0\.0\.1:5556 already/);
    return true;
  });
  // Without a clash nothing is dropped.
  const cfg = startConfig({ port: 5599, logFormat: 'json' });
  assert.deepEqual(cfg.inputs.map((i) => i.id), ['pull', 'sub', 'native']);
});
