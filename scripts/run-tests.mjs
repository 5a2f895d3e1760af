#!/usr/bin/env node
// Runs every compiled test file under dist/ with node's own test runner.
//   node scripts/run-tests.mjs            all tests
//   node scripts/run-tests.mjs --unit     only unit tests (collector/, operator/)
//   node scripts/run-tests.mjs PATTERN    only files whose path contains PATTERN
// Node 20 does not expand quoted globs, so the file list is built here. --test-force-exit: a test that failed
// with handles still open must not keep its file's process (and the whole run) alive. --test-timeout: a backstop
// for a test that sets no timeout of its own and hangs (a unit run once hung for 2 h); it ends that test's file
// process even when its event loop is blocked. No test file takes near 40 min (the real-node file sets 25).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const patterns = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = walk(dist, []).sort();
if (unitOnly) files = files.filter((f) => !relative(dist, f).startsWith('test/') && !relative(dist, f).startsWith('bench/'));
if (patterns.length) files = files.filter((f) => patterns.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/ (did the build run?)');
  process.exit(1);
}
// Unit tests first, then process-level tests; within the run node decides the order per file.
const r = spawnSync(process.execPath, ['--test', '--test-force-exit', '--test-timeout=2400000', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, ZLOG_REPO_ROOT: root },
});
process.exit(r.status ?? 1);
