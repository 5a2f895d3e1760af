// docs/operations.md's metrics reference lists every metric the collector exports, and names none it does not.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Metrics } from '../../collector/observability/metrics.js';
import { repoRoot } from '../cluster/bins.js';

test('the metrics reference in docs/operations.md matches what the collector exports', { timeout: 30_000 }, async () => {
  const doc = readFileSync(join(repoRoot(), 'docs/operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Metrics reference'), doc.indexOf('### Scraping'));
  const documented = new Set([...section.matchAll(/`(zlog_[a-z_]+)`/g)].map((m) => m[1]));
  const exported = (await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => !n.startsWith('zlog_process_'));
  for (const name of exported) assert.ok(documented.has(name), `${name} is exported but not in docs/operations.md`);
  for (const name of documented) {
    if (name.startsWith('zlog_process_') || name.startsWith('zlog_operator_')) continue;
    assert.ok(exported.includes(name), `docs/operations.md lists ${name}, which the collector does not export`);
  }
});
