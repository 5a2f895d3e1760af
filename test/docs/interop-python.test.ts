// docs/interop.md's Python logging snippet, pasted as written (its port swapped for a free one), against a real
// collector whose zmq-sub input connects to it: one log call is one record, at the level and topic the doc says.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../cluster/bins.js';
import { cleanup, startCollector } from '../helpers/collector-process.js';
import { freePort, waitFor } from '../helpers/net.js';
import { PYTHON, pyzmqMissing } from '../interop/harness.js';

const DOC = readFileSync(join(repoRoot(), 'docs', 'interop.md'), 'utf8');

function pythonBlockAfter(heading: string): string {
  const from = DOC.indexOf(heading);
  assert.ok(from >= 0, `docs/interop.md no longer has "${heading}"`);
  const m = /```python\n([\s\S]*?)```/.exec(DOC.slice(from));
  assert.ok(m, `no python block after "${heading}"`);
  return m[1];
}

test('docs/interop.md: the Python logging snippet, pasted as written, gives one record with its level and topic', { skip: pyzmqMissing(), timeout: 120_000 }, async (t) => {
  const snippet = pythonBlockAfter('## Python logging');
  assert.match(snippet, /tcp:\/\/\*:5556/, 'the snippet binds the port the doc names');
  const port = await freePort();
  const c = await startCollector({ inputs: [{ id: 'py', type: 'zmq-sub', connect: [`tcp://127.0.0.1:${port}`], topics: [''] }] });
  t.after(() => cleanup(c));
  const py = spawnSync(PYTHON, ['-c', snippet.replaceAll('5556', String(port))], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(py.status, 0, `python exited ${py.status}: ${py.stderr}`);
  await waitFor('the record from the snippet', () => c.records().length >= 1, 20_000);
  const recs = c.records();
  assert.equal(recs.length, 1, JSON.stringify(recs));
  assert.equal(recs[0].severity, 'info');
  assert.equal(recs[0].topic, 'myapp.INFO.db.query');
  assert.match(String(recs[0].message), /slow query/);
});
