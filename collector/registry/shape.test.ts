// Guards of the layout issue 8 set up, read from the compiled import graph (dist/, next to this file): the
// schema side of the kind lists loads no I/O (the operator, the config loader and the docs generator import it
// without zeromq or fs), and neither the collector nor the operator has an import cycle (the worker pool and
// the processor factory once imported each other).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoRoot = dirname(distRoot);

/** Every static import/export-from specifier of a compiled module (type-only imports are gone by then). */
function specifiers(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2]);
}

const local = (from: string, spec: string) => (spec.startsWith('.') ? resolve(dirname(from), spec) : undefined);

/** The modules `entry` loads, transitively: local files and bare/builtin specifiers. */
function closure(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop() as string;
    if (files.has(f)) continue;
    files.add(f);
    for (const s of specifiers(f)) {
      const l = local(f, s);
      if (l === undefined) external.add(s);
      else if (existsSync(l)) todo.push(l);
    }
  }
  return { files, external };
}

function jsFiles(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) jsFiles(p, out);
    // Only modules whose source still exists: a stale dist/ (a file since moved) must not fake a cycle.
    else if (n.endsWith('.js') && !n.endsWith('.test.js') && existsSync(join(repoRoot, relative(distRoot, p)).replace(/\.js$/, '.ts'))) out.push(p);
  }
  return out;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, specifiers(f).map((s) => local(f, s)).filter((l): l is string => l !== undefined && existsSync(l))]));
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        c.push(relative(distRoot, w));
      } while (w !== v);
      if (c.length > 1) found.push(c);
    }
  };
  for (const f of graph.keys()) if (!index.has(f)) visit(f);
  return found;
}

const IO = /^(zeromq|node:(fs|fs\/promises|net|http|https|dgram|worker_threads|child_process|zlib)|fs|net|http|worker_threads|child_process)$/;

test('the schema side of the kind lists (and the LogServer API built on it) loads no I/O module', () => {
  for (const entry of ['collector/registry/schemas.js', 'collector/config/schema.js', 'operator/api/schema.js', 'operator/api/types.js']) {
    const { files, external } = closure(join(distRoot, entry));
    assert.ok(files.size > 1 || entry.endsWith('types.js'), `${entry}: import graph read`);
    assert.deepEqual([...external].filter((s) => IO.test(s)), [], `${entry} loads I/O through ${[...files].map((f) => relative(distRoot, f)).join(', ')}`);
  }
});

test('the cycle finder finds a cycle (so an empty answer below means something)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-shape-'));
  try {
    writeFileSync(join(dir, 'a.js'), "import { b } from './b.js';\nexport const a = 1;\n");
    writeFileSync(join(dir, 'b.js'), "import type_ from 'node:fs';\nexport { a as b } from './a.js';\n");
    writeFileSync(join(dir, 'c.js'), "import { a } from './a.js';\n");
    const found = cycles([join(dir, 'a.js'), join(dir, 'b.js'), join(dir, 'c.js')]);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].map((f) => f.split('/').pop()).sort(), ['a.js', 'b.js']);
    assert.ok(IO.test([...closure(join(dir, 'c.js')).external][0]), 'node:fs seen through c -> a -> b');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no import cycle in the collector or the operator', () => {
  const collector = jsFiles(join(distRoot, 'collector'));
  assert.ok(collector.length > 50, `${collector.length} collector modules read`);
  assert.deepEqual(cycles(collector), [], 'collector');
  assert.deepEqual(cycles(jsFiles(join(distRoot, 'operator'))), [], 'operator');
});
