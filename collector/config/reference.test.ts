import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BEGIN, END, renderReference } from './reference.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

test('docs/configuration.md carries the reference generated from the schema (run `make docs` when stale)', () => {
  const doc = readFileSync(`${ROOT}docs/configuration.md`, 'utf8');
  const current = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length);
  assert.equal(current, renderReference());
});
