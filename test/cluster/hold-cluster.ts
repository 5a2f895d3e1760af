// Test helper for interrupt.test.ts and node.test.ts: starts a cluster (with a real node when given
// --real-node), prints its PIDs, directory and node record as one JSON line, then waits to be signalled.
// Also a minimal example of using the harness outside node:test.
import { startCluster } from './harness.js';

const realNode = process.argv.includes('--real-node');
const c = await startCluster({ name: 'hold', realNode });
process.stdout.write(JSON.stringify({ pids: c.pids, dir: c.dir, node: c.node }) + '\n');
setInterval(() => undefined, 1 << 30);
