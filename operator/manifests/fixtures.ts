// Shared by the builder unit tests (never imported by the operator): a LogServer identity, a defaulted spec,
// and validation against the upstream schemas (kubernetes-models, a dev dependency). Which upstream model
// checks which kind comes from the table of child kinds, so a new entry is validated without a change here.
import { validateSpec } from '../api/validate.js';
import type { LogServerSpec } from '../api/types.js';
import type { Owner } from './common.js';
import { CHILD_KINDS } from './children.js';

export const owner: Owner = { name: 'demo', namespace: 'logs', uid: '7f1c7a5e-2d7b-4f39-9a57-2b0c8f3f1a11' };

export function specOf(raw: unknown = {}): LogServerSpec {
  const r = validateSpec(raw);
  if (!r.ok) throw new Error(`fixture spec invalid: ${JSON.stringify(r.errors)}`);
  return r.spec;
}

type UpstreamModel = new (data: never) => { validate(): void };

const upstream = new Map<string, UpstreamModel>(
  await Promise.all(
    CHILD_KINDS.map(async (k): Promise<[string, UpstreamModel]> => {
      const mod = (await import(k.model.module)) as Record<string, unknown>;
      const Model = mod[k.model.export];
      if (typeof Model !== 'function') throw new Error(`${k.kind}: ${k.model.module} exports no ${k.model.export}`);
      return [k.kind, Model as UpstreamModel];
    }),
  ),
);

/** Throws (with ajv's errors) when a built child does not validate against its upstream OpenAPI schema. */
export function validateUpstream(obj: { kind: string }): void {
  const Model = upstream.get(obj.kind);
  if (!Model) throw new Error(`no upstream model for ${obj.kind}`);
  // The JSON round trip is what the API server receives; the client types differ from the models' types.
  new Model(JSON.parse(JSON.stringify(obj)) as never).validate();
}
