import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logServerSchema, printerColumns } from './schema.js';

interface Node {
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node | boolean;
}

function undescribed(n: Node, path: string, out: string[]): string[] {
  for (const [k, v] of Object.entries(n.properties ?? {})) {
    const p = `${path}.${k}`;
    if (!v.description?.trim()) out.push(p);
    undescribed(v, p, out);
    if (v.items) undescribed(v.items, `${p}[]`, out);
    if (v.additionalProperties && typeof v.additionalProperties === 'object') undescribed(v.additionalProperties, `${p}{}`, out);
  }
  return out;
}

test('every field of the LogServer schema has a description (kubectl explain shows it)', () => {
  assert.deepEqual(undescribed(logServerSchema as unknown as Node, '', []), []);
});

test('the REPLICAS column shows ready/desired', () => {
  const col = printerColumns.find((c) => c.name === 'Replicas');
  assert.equal(col?.jsonPath, '.status.readyOfDesired');
});
