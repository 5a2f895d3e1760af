// The LogServer's `inputs[]` and `sinks[]` entries, generated from the collector's kind lists
// (collector/registry/schemas.ts): which kinds a LogServer offers, their per-kind fields (schema, bounds,
// defaults and docs taken from the kind's own config schema), the rules that keep each field on the kinds that
// take it, and the collector config entry the operator renders from a LogServer entry. A kind is offered by
// giving its spec a `logServer` entry (collector/registry/kind.ts); nothing here names a kind. No I/O.
import { INPUT_SCHEMAS, SINK_SCHEMAS } from '../../collector/registry/schemas.js';
import type { LogServerOffer } from '../../collector/registry/kind.js';

/** What this file reads of a kind spec. */
interface Spec {
  readonly type: string;
  readonly schema: { readonly description: string; readonly properties: object; readonly required: readonly string[] };
  readonly logServer?: LogServerOffer;
}
type OfferedOf<S extends Spec> = S extends { readonly logServer: LogServerOffer } ? S : never;
/** A kind spec a LogServer offers, as the runtime code here reads it. */
export interface Offered extends Spec {
  readonly logServer: LogServerOffer;
}
/** Whether kind `k`'s LogServer entry takes field `f`. */
const takes = (k: Offered, f: string) => k.logServer.fields.includes(f);
type FieldsOf<S> = S extends { readonly logServer: { readonly fields: readonly (infer F)[] } } ? F : never;
type PropOf<S extends Spec, F> = F extends keyof S['schema']['properties'] ? S['schema']['properties'][F] : never;
/** The members of U common to every member of the union S (contravariant inference turns the union into an intersection). */
type CommonFields<S> = (S extends unknown ? (x: FieldsOf<S>) => void : never) extends (x: infer I) => void ? I : never;
type WithoutDefault<N> = { [K in keyof N as K extends 'default' ? never : K]: N[K] };
/** A JSON Schema node made structural for a CRD: every enum-only node also gets its `type`. */
export function structural<T>(node: T): T {
  if (Array.isArray(node)) return node.map((n: unknown) => structural(n)) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'enum' || k === 'default' || k === 'const' ? v : structural(v);
  if (Array.isArray(out.enum) && out.type === undefined) return { type: typeof out.enum[0], ...out } as T;
  return out as T;
}

function offered<S extends Spec>(list: readonly S[]): OfferedOf<S>[] {
  return list.filter((k): k is OfferedOf<S> => k.logServer !== undefined);
}

function pick(props: object, fields: readonly string[], kind: string): Record<string, object> {
  const all = props as Record<string, object>;
  const out: Record<string, object> = {};
  for (const f of fields) {
    if (f === 'id' || f === 'type') throw new Error(`kind ${kind}: logServer.fields must not list ${f} (the LogServer entry's name and type)`);
    if (!(f in all)) throw new Error(`kind ${kind}: logServer.fields lists ${f}, which its schema does not have`);
    out[f] = structural(all[f]);
  }
  return out;
}

/** The input kinds a LogServer offers (those with a `logServer` entry), in list order. */
export const OFFERED_INPUTS = offered(INPUT_SCHEMAS);
/** The sink kinds a LogServer offers, in list order. */
export const OFFERED_SINKS = offered(SINK_SCHEMAS);

type Inputs = OfferedOf<(typeof INPUT_SCHEMAS)[number]>;
type Sinks = OfferedOf<(typeof SINK_SCHEMAS)[number]>;
type InputField = FieldsOf<Inputs>;
type InputCommon = CommonFields<Inputs>;
/**
 * The inputs' fields, flat beside name/type/port: a field every offered kind takes keeps its default; one that
 * only some kinds take has none (the API server would fill it in on every kind) and a rule keeps it on those.
 */
type InputFieldProps = { readonly [F in InputField]: F extends InputCommon ? PropOf<Inputs, F> : WithoutDefault<PropOf<Inputs, F>> };
/** One object per offered sink kind that has fields, named after the kind (sinks[].file). */
type SinkKindProps = {
  readonly [S in Sinks as [FieldsOf<S>] extends [never] ? never : S['type']]: {
    readonly type: 'object';
    readonly additionalProperties: false;
    readonly description: string;
    readonly properties: { readonly [F in FieldsOf<S>]: PropOf<S, F> };
  };
};

/**
 * The offered input kinds' fields, flat (see InputFieldProps). Throws when two kinds offer a field of one name
 * with different schemas, or a kind offers `id`, `type` or a field its schema lacks.
 */
export function inputFieldsOf(inputs: readonly Offered[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const k of inputs) {
    for (const [f, node] of Object.entries(pick(k.schema.properties, k.logServer.fields, k.type))) {
      const takers = inputs.filter((o) => takes(o, f));
      let prop: Record<string, unknown> = node as Record<string, unknown>;
      if (takers.length < inputs.length) {
        const { default: _omitted, ...rest } = prop;
        prop = { ...rest, description: `${String(rest.description ?? f)} (only ${takers.map((t) => t.type).join(', ')})` };
      }
      if (f in out && JSON.stringify(out[f]) !== JSON.stringify(prop)) {
        throw new Error(`input kinds disagree on the schema of ${f}; the LogServer has one field of that name for all of them`);
      }
      out[f] = prop;
    }
  }
  return out;
}

/** The kind's required fields a LogServer entry sets (the rest of its required fields are the pod's). */
const requiredOf = (k: Offered) => k.schema.required.filter((f) => takes(k, f));

/** One object per offered sink kind with fields (see SinkKindProps). Throws as inputFieldsOf does. */
export function sinkKindPropsOf(sinks: readonly Offered[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const k of sinks) {
    if (k.logServer.fields.length === 0) continue;
    out[k.type] = {
      type: 'object',
      additionalProperties: false,
      description: `Settings of a ${k.type} sink (docs/configuration.md); only allowed when type is ${k.type}.`,
      properties: pick(k.schema.properties, k.logServer.fields, k.type),
      ...(requiredOf(k).length > 0 ? { required: requiredOf(k) } : {}),
    };
  }
  return out;
}

/** First clause of a kind's description (for the `type` field's own description). */
const summary = (s: Spec) => s.schema.description.split(':')[0].split('. ')[0];

export const logServerInputType = {
  type: 'string',
  enum: OFFERED_INPUTS.map((k) => k.type),
  description: `Input kind (the collector's input list, docs/configuration.md): ${OFFERED_INPUTS.map((k) => k.type).join(', ')}.`,
} as const;
export const logServerInputFields = inputFieldsOf(OFFERED_INPUTS) as InputFieldProps;

export const logServerSinkType = {
  type: 'string',
  enum: OFFERED_SINKS.map((k) => k.type),
  description: `Sink kind (the collector's sink list): ${OFFERED_SINKS.map((k) => `${k.type} (${summary(k)})`).join('; ')}.`,
} as const;
export const logServerSinkKinds = sinkKindPropsOf(OFFERED_SINKS) as SinkKindProps;

/** A cross-field rule on spec.inputs or spec.sinks, in the shape of rules.ts's SpecRule (without its spec type). */
export interface KindRule {
  field: 'inputs' | 'sinks';
  message: string;
  cel: string;
  holds(entries: readonly object[]): boolean;
}

const quoted = (types: readonly string[]) => `[${types.map((t) => `'${t}'`).join(', ')}]`;

/**
 * One rule per field that only some offered kinds take: set on an entry of another kind, it is an error naming
 * the field and the kinds that take it (the CRD cannot say "this field only for this type" in its schema).
 */
export function kindRulesOf(inputs: readonly Offered[], sinks: readonly Offered[]): KindRule[] {
  const rules: KindRule[] = [];
  for (const f of Object.keys(inputFieldsOf(inputs))) {
    const takers: readonly string[] = inputs.filter((k) => takes(k, f)).map((k) => k.type);
    if (takers.length === inputs.length) continue;
    rules.push({
      field: 'inputs',
      message: `inputs[].${f} may only be set on an input of type ${takers.join(' or ')}`,
      cel: `!has(self.inputs) || self.inputs.all(i, i.type in ${quoted(takers)} || !has(i.${f}))`,
      holds: (entries) => entries.every((e) => takers.includes((e as { type: string }).type) || (e as Record<string, unknown>)[f] === undefined),
    });
  }
  for (const k of Object.keys(sinkKindPropsOf(sinks))) {
    rules.push({
      field: 'sinks',
      message: `sinks[].${k} may only be set on a sink of type ${k}`,
      cel: `!has(self.sinks) || self.sinks.all(s, s.type == '${k}' || !has(s.${k}))`,
      holds: (entries) => entries.every((e) => (e as { type: string }).type === k || (e as Record<string, unknown>)[k] === undefined),
    });
  }
  for (const k of sinks.filter((s) => requiredOf(s).length > 0)) {
    rules.push({
      field: 'sinks',
      message: `a sink of type ${k.type} needs sinks[].${k.type} (with ${requiredOf(k).join(', ')})`,
      cel: `!has(self.sinks) || self.sinks.all(s, s.type != '${k.type}' || has(s.${k.type}))`,
      holds: (entries) => entries.every((e) => (e as { type: string }).type !== k.type || (e as Record<string, unknown>)[k.type] !== undefined),
    });
  }
  return rules;
}

/** The offered fields a LogServer entry sets, copied (deeply) for the collector config entry. */
export function inputSettings(entry: { readonly type: string }): Record<string, unknown> {
  const kind = OFFERED_INPUTS.find((k) => k.type === entry.type);
  if (!kind) throw new Error(`input type ${entry.type} is not offered by the LogServer API`);
  const out: Record<string, unknown> = {};
  for (const f of kind.logServer.fields) {
    const v = (entry as Record<string, unknown>)[f];
    if (v !== undefined) out[f] = structuredClone(v);
  }
  return out;
}

/**
 * A sink entry's own settings (sinks[].<type>), copied for the collector config entry, plus what the pod
 * decides (the kind's podFields, given the sink's directory on the data volume).
 */
export function sinkSettings(entry: { readonly type: string }, dataDir: string): Record<string, unknown> {
  const kind = OFFERED_SINKS.find((k) => k.type === entry.type);
  if (!kind) throw new Error(`sink type ${entry.type} is not offered by the LogServer API`);
  const own = (entry as Record<string, unknown>)[entry.type];
  return { ...(own === undefined ? {} : structuredClone(own as Record<string, unknown>)), ...(kind.logServer as LogServerOffer).podFields?.(dataDir) };
}

/** The rules of the built-in kinds (rules.ts adds them to the spec's rules). */
export const KIND_RULES = kindRulesOf(OFFERED_INPUTS, OFFERED_SINKS);
