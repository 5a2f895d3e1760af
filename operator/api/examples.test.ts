import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateSpec, describeErrors } from './validate.js';
import { repoRoot } from '../generate.js';

test('examples/logserver.yaml is a valid LogServer', () => {
  const doc = parse(readFileSync(join(repoRoot(), 'examples/logserver.yaml'), 'utf8'));
  assert.equal(doc.apiVersion, 'logging.zlog.dev/v1alpha1');
  assert.equal(doc.kind, 'LogServer');
  const r = validateSpec(doc.spec);
  assert.ok(r.ok, r.ok ? '' : describeErrors(r.errors));
});
