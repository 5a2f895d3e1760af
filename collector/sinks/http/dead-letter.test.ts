// The dead-letter file is bounded by deadLetterMaxBytes, counting what is already there at start. The records
// are refused before any request (a loki line that is not JSON cannot be encoded, so it is dead-lettered where
// it stands), which is why no store runs here; test/sinks/ covers the store itself.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { lokiSinkKind } from '../loki/index.js';
import type { LokiSinkConfig } from '../loki/schema.js';

const enc = (s: string) => new TextEncoder().encode(s);

function lokiConfig(deadLetterPath: string, deadLetterMaxBytes: number): LokiSinkConfig {
  const cfg = validateConfig({ sinks: [{ id: 'vl', type: 'loki', endpoint: 'http://127.0.0.1:9/insert', deadLetterPath, deadLetterMaxBytes }] });
  return cfg.sinks[0] as LokiSinkConfig;
}

test('dead-letter file: rejected records are appended up to deadLetterMaxBytes, the rest counted; the size at start counts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-dl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vl', 'rejected.ndjson');
  const max = 4096;
  // 20 lines of about 500 bytes: not JSON, so the loki encoder refuses each one.
  const bad = Array.from({ length: 20 }, (_, i) => enc(`not json ${String(i).padStart(2, '0')} ${'x'.repeat(480)}\n`));
  const log = createLogger('silent');

  const first = lokiSinkKind.create(lokiConfig(file, max), { log });
  await first.open();
  await first.write(bad, bad.reduce((n, b) => n + b.byteLength, 0));
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.length > 0 && lines.length < 20, `some but not all of the 20 records fit in ${max} bytes (got ${lines.length})`);
  assert.ok(statSync(file).size <= max, `the file stays within ${max} bytes (is ${statSync(file).size})`);
  // Its fill and what did not fit are reported (GET /status, /sinks, zlog status: docs/sinks.md "Sink health").
  assert.deepEqual(first.health?.().deadLetter, { path: file, bytes: statSync(file).size, maxBytes: max, skipped: 20 - lines.length });
  // Each line wraps the record as it came (here not JSON, which is why it was refused), in order and whole.
  for (const [i, l] of lines.entries()) assert.match(l, new RegExp(`^\\{"sink":"vl","reason":"cannot encode: .*","record":not json ${String(i).padStart(2, '0')} x{480}\\}$`));
  await first.close();

  // A restart counts the file as it is: nothing more fits.
  const second = lokiSinkKind.create(lokiConfig(file, max), { log });
  await second.open();
  const before = statSync(file).size;
  await second.write(bad.slice(0, 3), 0);
  assert.equal(statSync(file).size, before, 'a full file is not appended to after a restart');
  assert.deepEqual(second.health?.().deadLetter, { path: file, bytes: before, maxBytes: max, skipped: 3 }, 'the size at start counts; the skipped count is this run\'s');
  await second.close();
});
