import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './generate.js';

// What each folder of the operator may import (besides npm packages and itself), lowest layer first: the API
// (schema, rules, CRD builder, reference renderer) depends on nothing of the operator, the pure builders only on
// the API, and so on. Tests and the upstream-model fixtures (test only) may import anything.
const allowed: Record<string, string[]> = {
  'operator/api': ['collector/'],
  'operator/manifests': ['operator/api/', 'collector/'],
  'operator/rbac': ['operator/api/', 'operator/manifests/'],
  'operator/observability': [],
  'operator/controller': ['operator/api/', 'operator/manifests/', 'operator/observability/', 'collector/'],
  'operator/leader': ['operator/controller/kube.ts'],
};

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1]);
}

test('operator layers: the API imports nothing of the operator, nothing imports upward, crds/ holds only generated YAML', () => {
  const root = repoRoot();
  const wrong: string[] = [];
  for (const [dir, mayImport] of Object.entries(allowed)) {
    for (const name of readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'fixtures.ts')) {
      const file = join(root, dir, name);
      for (const spec of relativeImports(file)) {
        const target = relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
        if (target.startsWith(`${dir}/`) || mayImport.some((p) => target.startsWith(p))) continue;
        wrong.push(`${dir}/${name} imports ${target}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual(readdirSync(join(root, 'crds')).filter((f) => !f.endsWith('.yaml')), [], 'crds/ holds only generated YAML');
});
