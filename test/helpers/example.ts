// examples/logserver.yaml, as tests read it: a Namespace document, then the LogServer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../cluster/bins.js';

export const EXAMPLE_PATH = join(repoRoot(), 'examples/logserver.yaml');

/** Every document of the example, in order. */
export function exampleDocuments(text = readFileSync(EXAMPLE_PATH, 'utf8')): Array<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: unknown }> {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`examples/logserver.yaml: ${d.errors[0].message}`);
    return d.toJS();
  });
}

/** The LogServer document of the example (or of an edited copy of its text). */
export function exampleLogServer<T = unknown>(text?: string): { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: T } {
  const ls = exampleDocuments(text).find((d) => d.kind === 'LogServer');
  if (!ls) throw new Error('examples/logserver.yaml has no LogServer document');
  return ls as { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: T };
}
