// stdout sink: the kind's config schema and docs. No I/O (see registry/kind.ts).
import type { FromSchema } from 'json-schema-to-ts';
import { matchSchema } from '../../routing/schema.js';
import { componentId } from '../../registry/kind.js';

export const stdoutSinkSchema = {
  type: 'object',
  description: 'NDJSON on standard output, for Kubernetes\' own log collection; honours pipe back-pressure. Takes only `id` and `type`.',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: {
    id: { ...componentId, description: 'unique sink name, used as component_id in metrics' },
    type: { const: 'stdout' },
    match: matchSchema,
  },
} as const;

export type StdoutSinkConfig = FromSchema<typeof stdoutSinkSchema>;

export const stdoutSinkSpec = { type: 'stdout', schema: stdoutSinkSchema, logServer: { fields: [] } } as const;
