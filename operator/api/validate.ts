// Validation of a LogServer spec in the operator: ajv against the same JSON Schema the CRD is generated from
// (applying its defaults), then every cross-field rule. Errors carry the field path from `spec`.
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { logServerSpecSchema } from '../../crds/logserver.schema.js';
import { specRules } from '../../crds/logserver.rules.js';
import type { LogServerSpec } from './types.js';

export interface SpecError {
  /** e.g. spec.pipeline.queue.maxBytes */
  path: string;
  message: string;
}

export type SpecResult = { ok: true; spec: LogServerSpec } | { ok: false; errors: SpecError[] };

// ajv-formats is CommonJS with a default export; under NodeNext the default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** An ajv instance that understands the CRD's x-kubernetes-* annotations as no-ops. */
export function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, strictTuples: false });
  addFormats(ajv);
  for (const keyword of [
    'x-kubernetes-int-or-string',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-validations',
  ]) {
    ajv.addKeyword({ keyword, schemaType: ['boolean', 'string', 'array'] });
  }
  return ajv;
}

// Wrapped in { spec } as in the CRD, so the spec's own default is legal and error paths start at spec.
const validateSchema = newAjv().compile<{ spec: LogServerSpec }>({
  type: 'object',
  required: ['spec'],
  properties: { spec: logServerSpecSchema },
});

function pathOf(e: ErrorObject): string {
  // instancePath is a JSON pointer (/sinks/0/file); spec paths read better dotted with indexes.
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  if (e.keyword === 'additionalProperties') parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  let out = '';
  for (const p of parts) out += /^[0-9]+$/.test(p) ? `[${p}]` : `.${p}`;
  return out.slice(1);
}

/** Validates and defaults a spec (a deep copy: the input is not modified). */
export function validateSpec(raw: unknown): SpecResult {
  const doc = { spec: structuredClone(raw ?? {}) };
  if (!validateSchema(doc)) {
    const errors = (validateSchema.errors ?? [])
      // anyOf branches of int-or-string repeat one problem three times; keep the summary.
      .filter((e) => !/\/anyOf\/[0-9]+\//.test(e.schemaPath))
      .map((e) => ({ path: pathOf(e), message: `${e.message ?? 'is invalid'}${e.keyword === 'enum' ? `: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` : ''}` }));
    return { ok: false, errors };
  }
  const spec = doc.spec;
  const errors = specRules.filter((r) => !r.holds(spec)).map((r) => ({ path: `spec.${r.field}`, message: r.message }));
  return errors.length ? { ok: false, errors } : { ok: true, spec };
}

/** One line for a condition message or an Event. */
export function describeErrors(errors: readonly SpecError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}
