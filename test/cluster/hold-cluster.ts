// Test helper for interrupt.test.ts: starts a cluster, prints its PIDs and directory as one JSON
// line, then waits to be signalled. Also a minimal example of using the harness outside node:test.
import { startCluster } from './harness.js';

const c = await startCluster({ name: 'hold' });
process.stdout.write(JSON.stringify({ pids: c.pids, dir: c.dir }) + '\n');
setInterval(() => undefined, 1 << 30);
