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
/** Field F's schema in the kinds of S that have it (distributed over S: a field only some kinds take, too). */
type PropOf<S extends Spec, F> = S extends Spec ? (F extends keyof S['schema']['properties'] ? S['schema']['properties'][F] : never) : never;
/** The members of U common to every member of the union S (contravariant inference turns the union into an intersection). */
type CommonFields<S> = (S extends unknown ? (x: FieldsOf<S>) => void : never) extends (x: infer I) => void ? I : never;
type WithoutDefault<N> = { [K in keyof N as K extends 'default' ? never : K]: N[K] };

/**
 * A Secret item in the LogServer's namespace, the shape of core/v1 SecretKeySelector without `optional`. The
 * name is a DNS-1123 subdomain and the key a Secret data key (k8s.io/apimachinery validation IsConfigMapKey),
 * here also not starting with a dot, so that `<name>/<key>` is a safe path in the projected volume.
 */
export const secretItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'key'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', description: 'Secret name (in the LogServer\'s namespace)' },
    key: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[-_a-zA-Z0-9][-._a-zA-Z0-9]*$', description: 'key of the item in the Secret' },
  },
} as const;
/** A Secret item named in a LogServer. */
export interface SecretItem {
  readonly name: string;
  readonly key: string;
}
/** The LogServer's name for a credential file setting: `caFile` is set as `caSecret`. */
export const secretSettingOf = (fileSetting: string): string => fileSetting.replace(/File$/, 'Secret');

type SecretPaths<S> = S extends { readonly logServer: { readonly secretFiles: readonly (infer P)[] } } ? P : never;
type OwnedPaths<S> = S extends { readonly logServer: { readonly podOwned: readonly (infer P)[] } } ? P : never;
type SubsOf<P, F> = F extends string ? (P extends `${F}.${infer Sub}` ? Sub : never) : never;
/** An offered object field as the LogServer has it: pod-owned settings left out, credential files as Secret items. */
type Reshaped<N, Secret, Owned> = [Secret | Owned] extends [never]
  ? N
  : N extends { readonly properties: infer Props }
    ? Omit<N, 'properties'> & {
        readonly properties: {
          readonly [K in keyof Props as K extends Owned ? never : K extends Secret ? (K extends `${infer B}File` ? `${B}Secret` : K) : K]: K extends Secret
            ? typeof secretItemSchema
            : Props[K];
        };
      }
    : N;
type OfferedProp<S extends Spec, F> = Reshaped<PropOf<S, F>, SubsOf<SecretPaths<S>, F>, SubsOf<OwnedPaths<S>, F>>;
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

/** The settings below field `f` that `paths` (`f.setting`) name. */
const subsOf = (paths: readonly string[] | undefined, f: string) => (paths ?? []).filter((p) => p.startsWith(`${f}.`)).map((p) => p.slice(f.length + 1));

/**
 * Field `f`'s schema as the LogServer offers it: without the pod-owned settings, with each credential file
 * setting replaced by its Secret item (KindSpec.logServer). Throws when a listed setting is not in the schema.
 */
function reshaped(k: Offered, f: string, node: object): object {
  const secrets = subsOf(k.logServer.secretFiles, f);
  const owned = subsOf(k.logServer.podOwned, f);
  if (secrets.length === 0 && owned.length === 0) return node;
  const props = (node as { properties?: Record<string, { description?: string }> }).properties ?? {};
  for (const sub of [...secrets, ...owned]) {
    if (!(sub in props)) throw new Error(`kind ${k.type}: logServer lists ${f}.${sub}, which its schema does not have`);
  }
  const out: Record<string, object> = {};
  for (const [sub, v] of Object.entries(props)) {
    if (owned.includes(sub)) continue;
    if (secrets.includes(sub)) {
      if (!sub.endsWith('File')) throw new Error(`kind ${k.type}: logServer.secretFiles lists ${f}.${sub}, which does not end in File`);
      out[secretSettingOf(sub)] = { ...secretItemSchema, description: `Secret item mounted read-only as the ${f}.${sub} file: ${v.description ?? sub}` };
    } else out[sub] = v;
  }
  return { ...node, properties: out };
}

/**
 * A file name in an entry's directory on the data volume (KindSpec.logServer.dataFiles): no directory part, not
 * `.`/`..` and no hidden file, so `<dataDir>/<name>` stays inside that directory.
 */
export const dataFileNameSchema = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]*$' } as const;

/**
 * The names in the entry's directory that podFields already uses (`buffer` for `<dataDir>/buffer`): a data
 * file may not take them.
 */
export function reservedDataNames(k: Offered): string[] {
  const dir = '/data-dir';
  const names = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string' && v.startsWith(`${dir}/`)) names.add(v.slice(dir.length + 1).split('/')[0]);
    else if (isObject(v)) Object.values(v).forEach(visit);
  };
  visit(k.logServer.podFields?.(dir));
  return [...names].sort();
}

function pick(k: Offered, fields: readonly string[]): Record<string, object> {
  const all = k.schema.properties as Record<string, object>;
  const out: Record<string, object> = {};
  for (const f of fields) {
    if (f === 'id' || f === 'type') throw new Error(`kind ${k.type}: logServer.fields must not list ${f} (the LogServer entry's name and type)`);
    if (!(f in all)) throw new Error(`kind ${k.type}: logServer.fields lists ${f}, which its schema does not have`);
    out[f] = reshaped(k, f, structural(all[f]));
  }
  for (const f of k.logServer.dataFiles ?? []) {
    const node = out[f] as { type?: string; description?: string } | undefined;
    if (!node) throw new Error(`kind ${k.type}: logServer.dataFiles lists ${f}, which logServer.fields does not offer`);
    if (node.type !== 'string') throw new Error(`kind ${k.type}: logServer.dataFiles lists ${f}, which is not a string setting`);
    out[f] = { ...dataFileNameSchema, description: `File name in the sink's directory on the data volume (/var/lib/zlog/<sink name>/<file name>; not ${reservedDataNames(k).join(', ') || 'a hidden file'}): ${node.description ?? f}` };
  }
  const pod = k.logServer.podFields?.('/') ?? {};
  for (const p of k.logServer.podOwned ?? []) {
    const [f, sub] = p.split('.');
    if (!fields.includes(f)) throw new Error(`kind ${k.type}: logServer.podOwned lists ${p}, but ${f} is not offered`);
    if ((pod[f] as Record<string, unknown> | undefined)?.[sub] === undefined) throw new Error(`kind ${k.type}: logServer.podOwned lists ${p}, which podFields does not set`);
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
    readonly properties: { readonly [F in FieldsOf<S>]: OfferedProp<S, F> };
  };
};

/**
 * The offered input kinds' fields, flat (see InputFieldProps). Throws when two kinds offer a field of one name
 * with different schemas, or a kind offers `id`, `type` or a field its schema lacks.
 */
export function inputFieldsOf(inputs: readonly Offered[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const k of inputs) {
    for (const [f, node] of Object.entries(pick(k, k.logServer.fields))) {
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
      properties: pick(k, k.logServer.fields),
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
  for (const k of sinks) {
    const reserved = reservedDataNames(k);
    for (const f of reserved.length ? (k.logServer.dataFiles ?? []) : []) {
      const value = (e: object) => ((e as Record<string, unknown>)[k.type] as Record<string, unknown> | undefined)?.[f];
      rules.push({
        field: 'sinks',
        message: `sinks[].${k.type}.${f} must not be ${reserved.join(' or ')}: the sink's directory on the data volume already holds that`,
        cel: `!has(self.sinks) || self.sinks.all(s, !has(s.${k.type}) || !has(s.${k.type}.${f}) || !(s.${k.type}.${f} in ${quoted(reserved)}))`,
        holds: (entries) => entries.every((e) => !reserved.includes(value(e) as string)),
      });
    }
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

const sinkKind = (type: string) => {
  const kind = OFFERED_SINKS.find((k) => k.type === type);
  if (!kind) throw new Error(`sink type ${type} is not offered by the LogServer API`);
  return kind as Offered;
};

/** Each credential a sink entry names: the file setting (`tls.caFile`) and its Secret item. */
export function sinkSecretItems(entry: { readonly type: string }): { setting: string; item: SecretItem }[] {
  const own = (entry as Record<string, unknown>)[entry.type] as Record<string, Record<string, SecretItem | undefined> | undefined> | undefined;
  const out: { setting: string; item: SecretItem }[] = [];
  for (const p of sinkKind(entry.type).logServer.secretFiles ?? []) {
    const [f, sub] = p.split('.');
    const item = own?.[f]?.[secretSettingOf(sub)];
    if (item !== undefined) out.push({ setting: p, item: { name: item.name, key: item.key } });
  }
  return out;
}

/**
 * A sink entry's own settings (sinks[].<type>), copied for the collector config entry: each Secret item
 * replaced by the file setting with `fileOf(item)`, the path where the pod mounts it, and what the pod decides
 * (the kind's podFields, given the sink's directory on the data volume) merged in, one object level deep.
 */
export function sinkSettings(entry: { readonly type: string }, dataDir: string, fileOf: (item: SecretItem) => string = () => {
  throw new Error('a sink names a Secret item but no mount path was given');
}): Record<string, unknown> {
  const kind = sinkKind(entry.type);
  const own = (entry as Record<string, unknown>)[entry.type];
  const out = own === undefined ? {} : structuredClone(own as Record<string, Record<string, unknown>>);
  for (const { setting, item } of sinkSecretItems(entry)) {
    const [f, sub] = setting.split('.');
    delete out[f][secretSettingOf(sub)];
    out[f][sub] = fileOf(item);
  }
  const flat = out as Record<string, unknown>;
  for (const f of kind.logServer.dataFiles ?? []) if (typeof flat[f] === 'string') flat[f] = `${dataDir}/${flat[f]}`;
  for (const [f, v] of Object.entries(kind.logServer.podFields?.(dataDir) ?? {})) {
    const mine = out[f] as unknown;
    out[f] = (isObject(mine) && isObject(v) ? { ...mine, ...v } : v) as Record<string, unknown>;
  }
  return out;
}
function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The rules of the built-in kinds (rules.ts adds them to the spec's rules). */
export const KIND_RULES = kindRulesOf(OFFERED_INPUTS, OFFERED_SINKS);
