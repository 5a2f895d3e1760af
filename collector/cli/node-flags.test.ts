// The image starts the collector with the same Node.js flags as the bench and the tests (node-flags.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_NODE_FLAGS } from './node-flags.js';

const repoRoot = dirname(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'));

test("Dockerfile.collector's ENTRYPOINT runs node with COLLECTOR_NODE_FLAGS, in that order, before main.js", () => {
  const line = readFileSync(join(repoRoot, 'Dockerfile.collector'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT '));
  assert.ok(line, 'an ENTRYPOINT line');
  const argv = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  const node = argv.indexOf('node');
  assert.ok(node >= 0, `node in ${line}`);
  assert.deepEqual(argv.slice(node + 1), [...COLLECTOR_NODE_FLAGS, '/app/dist/collector/cli/main.js']);
});
