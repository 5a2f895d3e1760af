// Every collector metric docs/operations.md names is one the collector exports, so the operations guide cannot
// send anyone looking for a metric that was renamed or removed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Metrics } from '../../collector/observability/metrics.js';
import { repoRoot } from '../cluster/bins.js';

test('docs/operations.md names only metrics the collector exports', { timeout: 30_000 }, async () => {
  const doc = readFileSync(join(repoRoot(), 'docs/operations.md'), 'utf8');
  const exported = new Set((await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name));
  const named = new Set([...doc.matchAll(/\b(zlog_[a-z_]+[a-z])\b/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, '')));
  assert.ok(named.size >= 10, `only ${named.size} metrics named`);
  for (const name of named) {
    // Wildcards (zlog_process_*) and the operator's metrics are documented elsewhere.
    if (name.startsWith('zlog_operator') || name === 'zlog_process') continue;
    assert.ok(exported.has(name), `docs/operations.md names ${name}, which the collector does not export`);
  }
});
