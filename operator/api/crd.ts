// Builds the CustomResourceDefinition from the JSON Schema and the CEL rules. Pure: generate.ts writes it.
import {
  GROUP,
  KIND,
  PLURAL,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
  logServerSchema,
  printerColumns,
} from './schema.js';
import { specRules } from './rules.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// ajv-only keywords the API server's structural schema forbids or ignores.
function toStructural(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (schema === null || typeof schema !== 'object') return schema as Json;
  const node = schema as Record<string, unknown>;
  // A node of several types (routing's fieldEquals values: string, number or boolean) has no structural form:
  // the API server keeps it as given and the operator's ajv checks it.
  if (Array.isArray(node.type)) return { 'x-kubernetes-preserve-unknown-fields': true, ...(typeof node.description === 'string' ? { description: node.description } : {}) };
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(schema)) {
    // No CRD keyword for propertyNames (routing's field names); ajv in the operator still checks it.
    if (k === 'propertyNames') continue;
    if (k === 'additionalProperties' && v === false) continue;
    // A structural schema may not set uniqueItems (quadratic to check); ajv in the operator still does.
    if (k === 'uniqueItems') continue;
    out[k] = toStructural(v);
  }
  return out;
}

export function buildCrd(): Record<string, Json> {
  const schema = toStructural(logServerSchema) as Record<string, Json>;
  const props = schema.properties as Record<string, Record<string, Json>>;
  // The API server allows only name and generateName under metadata, not even a description of it.
  delete props.metadata.description;
  props.spec['x-kubernetes-validations'] = specRules
    .filter((r) => r.cel !== undefined)
    .map((r) => ({ rule: r.cel as string, message: `spec.${r.field}: ${r.message}`, fieldPath: `.${r.field}` }));
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: [...SHORT_NAMES], categories: ['zlog'] },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
          },
          additionalPrinterColumns: printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

