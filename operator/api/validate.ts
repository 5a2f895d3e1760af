// Validation of a LogServer spec in the operator: ajv's validator, compiled ahead of time from the same JSON
// Schema the CRD is generated from (applying its defaults), then every cross-field rule. Errors carry the field path from `spec`.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { specRules } from './rules.js';
import type { SpecError } from './ajv.js';
import { validateLogServer } from './validators.generated.js';
import { collectorConfigErrors, renderCollectorConfig } from './collector-config.js';
import type { LogServerSpec } from './types.js';

export type { SpecError };

export type SpecResult = { ok: true; spec: LogServerSpec } | { ok: false; errors: SpecError[] };

// Compiled ahead of time from schema.ts ({ spec: logServerSpecSchema }, ajv.ts validatorSchemas) by `make generate`.
const validateSchema = validateLogServer as unknown as ValidateFunction<{ spec: LogServerSpec }>;

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
  if (errors.length) return { ok: false, errors };
  // Whatever the API adds up to must still be a config the collector starts with.
  const collectorErrors = collectorConfigErrors(renderCollectorConfig(spec));
  return collectorErrors.length ? { ok: false, errors: collectorErrors } : { ok: true, spec };
}

/** One line for a condition message or an Event. */
export function describeErrors(errors: readonly SpecError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}
