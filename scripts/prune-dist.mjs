// Removes compiled files under dist/ whose TypeScript source is gone. tsc (incremental) never deletes
// outputs, so a renamed or deleted test would otherwise keep running from its stale dist/ copy.
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
let removed = 0;
function walk(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) { walk(path); continue; }
    const m = /^(.*)\.js(\.map)?$/.exec(relative(dist, path));
    if (m && !existsSync(join(root, `${m[1]}.ts`))) { rmSync(path); removed++; }
  }
}
walk(dist);
if (removed > 0) console.log(`prune-dist: removed ${removed} compiled file(s) whose source is gone`);
