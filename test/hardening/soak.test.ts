// Issue 9, the hostile soak, short and bounded (bench/soak.ts runs the long one and prints its figures): a native
// client in persisted mode and a PUSH sender, with compressed bombs, a many-frame message, poison records and
// connection floods mixed in, and a SIGTERM and a SIGKILL restart of the collector on the same files. Asserts
// what must hold whatever the timing: every acknowledged record is in the files, and no collector instance's
// peak RSS reached the budget docs/operations.md states. Speed and PULL loss are figures, not assertions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../../bench/soak.js';
import { MiB } from './rss.js';

test('hostile soak (short): 0 acknowledged records lost across SIGTERM and SIGKILL, peak RSS of every instance under the budget', { timeout: 300_000 }, async () => {
  const r = await runSoak({ seconds: 24, floodConnections: 100 });
  const peaks = r.peakRssBytes.map((b) => `${(b / MiB).toFixed(0)} MiB`).join(', ');
  console.log(`soak: acknowledged ${r.acknowledged}, lost ${r.acknowledgedLost}; PULL ${r.pullSent} sent, ${r.pullLost} lost; peaks ${peaks}; discarded ${JSON.stringify(r.discarded)}; events ${JSON.stringify(r.socketEvents)}; hostile ${JSON.stringify(r.hostile)}`);
  assert.ok(r.acknowledged > 0, 'the normal client had records acknowledged');
  assert.equal(r.acknowledgedLost, 0, 'every acknowledged record is in the files');
  assert.equal(r.peakRssBytes.length, 3, 'three collector instances ran (SIGTERM, SIGKILL, final drain)');
  for (const p of r.peakRssBytes) assert.ok(p < r.budgetBytes, `peak RSS ${peaks} against the budget ${(r.budgetBytes / MiB).toFixed(0)} MiB`);
  assert.ok(r.hostile.compressed_bombs && r.hostile.poison_records, `hostile rounds ran: ${JSON.stringify(r.hostile)}`);
});
