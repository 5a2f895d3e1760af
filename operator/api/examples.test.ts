import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateSpec, describeErrors } from './validate.js';
import { repoRoot } from '../generate.js';
import { exampleDocuments, exampleLogServer } from '../../test/helpers/example.js';

test('examples/logserver.yaml is its Namespace and a valid LogServer in it', () => {
  const docs = exampleDocuments();
  assert.deepEqual(docs.map((d) => d.kind), ['Namespace', 'LogServer']);
  const doc = exampleLogServer();
  assert.equal(doc.metadata.namespace, docs[0].metadata.name, 'the LogServer is in the Namespace the file creates');
  assert.equal(doc.apiVersion, 'logging.zlog.dev/v1alpha1');
  assert.equal(doc.kind, 'LogServer');
  const r = validateSpec(doc.spec);
  assert.ok(r.ok, r.ok ? '' : describeErrors(r.errors));
});

test('every LogServer written out in docs/ is valid (YAML blocks and kubectl here-documents with kind: LogServer)', () => {
  const docsDir = join(repoRoot(), 'docs');
  let seen = 0;
  for (const name of readdirSync(docsDir).filter((n) => n.endsWith('.md'))) {
    const md = readFileSync(join(docsDir, name), 'utf8');
    // YAML code blocks, and YAML fed to kubectl apply through a <<'YAML' here-document.
    for (const m of md.matchAll(/```yaml\n([\s\S]*?)```|<<'YAML'\n([\s\S]*?)\nYAML\n/g)) {
      const text = m[1] ?? m[2];
      if (!/^kind: LogServer$/m.test(text)) continue;
      const doc = parse(text);
      const r = validateSpec(doc.spec);
      assert.ok(r.ok, `${name}: ${r.ok ? '' : describeErrors(r.errors)}`);
      seen++;
    }
  }
  assert.ok(seen >= 2, `found ${seen} LogServer blocks (docs/sinks.md and the Kubernetes tour have some)`);
});
