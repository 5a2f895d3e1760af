// One descriptor budget across all inputs: their connections and FD_RESERVE must fit under RLIMIT_NOFILE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FD_RESERVE, FDS_PER_CONNECTION, openFileLimit, shareConnections } from './descriptors.js';

test('limits that fit together with the reserve stay as configured', () => {
  assert.deepEqual(shareConnections([100, 200, undefined], 128 + 300 * FDS_PER_CONNECTION), { limits: [100, 200, undefined], lowered: false });
  assert.deepEqual(shareConnections([1024, 1024], undefined), { limits: [1024, 1024], lowered: false }, 'unknown open-file limit: as configured');
});

test('limits that do not fit together are lowered in proportion, so that their sum and the reserve fit', () => {
  // Each input alone fits under 1000 descriptors ((1000 - 128) / 2 = 436 connections), both together do not.
  const { limits, lowered } = shareConnections([400, 400, undefined, 0], 1000);
  assert.ok(lowered);
  assert.deepEqual(limits, [218, 218, undefined, 0], 'inputs without a limit are left alone');
  const sum = (limits as number[]).filter((n) => n > 0).reduce((a, b) => a + b, 0);
  assert.ok(sum * FDS_PER_CONNECTION + FD_RESERVE <= 1000);
  assert.deepEqual(shareConnections([1024, 3072], 128 + 400 * FDS_PER_CONNECTION).limits, [100, 300], 'in proportion');
  assert.deepEqual(shareConnections([1024, 1024], 100).limits, [1, 1], 'never below 1');
  assert.ok((openFileLimit() ?? 1) > 0);
});
