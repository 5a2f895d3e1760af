import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthRows } from './status.js';

test('zlog status: a check with a limit shows value/limit, a reported-only check shows its value alone', () => {
  const rows = healthRows({
    live: true,
    ready: true,
    memoryLimitBytes: 1024,
    memoryLimitSource: 'cgroup',
    checks: [
      { name: 'memory', status: 'ok', value: 10, threshold: 972, unit: 'bytes', detail: 'rss' },
      { name: 'connections:pull', status: 'ok', value: 0, threshold: null, unit: 'peers', detail: '0 peers connected' },
      { name: 'sink:file', status: 'warning', value: 4, threshold: 3, unit: 'seconds', detail: 'stalled' },
    ],
  });
  const byName = new Map(rows);
  assert.equal(byName.get('check memory'), 'ok 10/972 bytes: rss');
  // "0/0 peers" read like a limit of zero peers; there is no limit here.
  assert.equal(byName.get('check connections:pull'), 'ok 0 peers: 0 peers connected');
  assert.equal(byName.get('check sink:file'), 'WARNING 4/3 seconds: stalled');
});
