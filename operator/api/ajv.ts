// One ajv set-up for every schema the operator checks (the LogServer spec, the rendered collector config).
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

export interface SpecError {
  /** e.g. spec.pipeline.queue.maxBytes */
  path: string;
  message: string;
}

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
