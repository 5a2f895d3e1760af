import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generatedFiles, repoRoot } from './generate.js';
import { buildCrd } from './api/crd.js';
import { specRules } from './api/rules.js';

test('committed generated files are up to date (run `make generate`)', () => {
  for (const [rel, content] of generatedFiles()) {
    let committed = '';
    try {
      committed = readFileSync(join(repoRoot(), rel), 'utf8');
    } catch {
      assert.fail(`${rel} is missing: run make generate`);
    }
    assert.equal(committed, content, `${rel} is stale: run make generate`);
  }
});

test('CRD carries every CEL rule and no ajv-only keyword', () => {
  const crd = buildCrd();
  const text = JSON.stringify(crd);
  assert.doesNotMatch(text, /"additionalProperties":false/);
  const yaml = parse(readFileSync(join(repoRoot(), 'crds/logging.zlog.dev_logservers.yaml'), 'utf8'));
  const spec = yaml.spec.versions[0].schema.openAPIV3Schema.properties.spec;
  const rules = spec['x-kubernetes-validations'].map((v: { rule: string }) => v.rule);
  assert.deepEqual(rules, specRules.filter((r) => r.cel).map((r) => r.cel));
  assert.deepEqual(yaml.spec.versions[0].subresources.scale.specReplicasPath, '.spec.replicas');
  assert.deepEqual(yaml.spec.names.shortNames, ['zls']);
});
