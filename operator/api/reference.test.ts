import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReference } from './reference.js';
import { specRules } from './rules.js';

// The cross-field table tells a reader whether `kubectl apply` refuses a bad spec or only the operator's status
// will say so: each rule's row must name what really enforces it.
test('cross-field rules: each row names what enforces it (CEL in the CRD, the ValidatingAdmissionPolicy, or the operator only)', () => {
  const doc = renderReference();
  const table = doc.slice(doc.indexOf('## Cross-field rules'), doc.indexOf('## status'));
  assert.ok(specRules.some((r) => r.admission !== undefined && r.cel === undefined), 'a rule enforced by the admission policy and not by CEL');
  for (const r of specRules) {
    const row = table.split('\n').find((l) => l.startsWith(`| \`spec.${r.field}\` | ${r.message} | `));
    assert.ok(row, `a row for spec.${r.field}: ${r.message}`);
    const want = r.cel ? 'API server (CEL) and operator' : r.admission ? 'API server (ValidatingAdmissionPolicy) and operator' : 'operator only';
    assert.equal(row.slice(`| \`spec.${r.field}\` | ${r.message} | `.length, -2), want, `spec.${r.field}: ${r.message}`);
  }
});
