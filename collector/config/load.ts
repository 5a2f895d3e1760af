// Loads the collector configuration: embedded defaults < YAML file < ZLOG_* environment < --set flags, then
// validates the merged document with ajv against schema.ts. Every error names the field path, the value found
// and what was expected, so `zlog validate` output can be acted on without reading the schema.
import { extname } from 'node:path';
import { hostname } from 'node:os';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseToml } from 'smol-toml';
import YAML from 'yaml';
import { mapSeedKeys } from './seed-keys.js';
import { ConfigError } from '../errors.js';
import { READ_CAPS, readFileBounded } from '../util/read-bounded.js';
import { healthIssues } from '../health/schema.js';
import { MAX_ROUTED_SINKS } from '../routing/schema.js';
import type { KindConfig, KindSpec, KindSpecs } from '../registry/kind.js';
import { BUILTIN_SPECS } from '../registry/schemas.js';
import { collectorConfigSchema, configSchema } from './schema.js';
import type { CollectorConfig, InputType } from './types.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

// One compiled validator per set of kinds (the built-in set, or a test's set with extra kinds).
const validators = new WeakMap<KindSpecs, ValidateFunction>();
function validatorFor(kinds: KindSpecs): ValidateFunction {
  let v = validators.get(kinds);
  if (!v) {
    v = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true }).compile(configSchema(kinds));
    validators.set(kinds, v);
  }
  return v;
}

export interface LoadOptions {
  /** Path of a YAML, JSON or TOML (`.toml`) file. */
  file?: string;
  /** Receives notes about the file that do not stop it loading (seed keys without a counterpart). */
  onWarning?: (message: string) => void;
  /** Environment to read ZLOG_* overrides from. */
  env?: NodeJS.ProcessEnv;
  /** `path=value` overrides, e.g. `http.port=0` or `pipeline.ackMode=received`. */
  set?: string[];
  /** The input and sink kinds to accept (default: the built-in ones). */
  kinds?: KindSpecs;
}

export function loadConfig(opts: LoadOptions = {}): CollectorConfig {
  let doc: JsonObject = {};
  const issues: string[] = [];
  let origins = new Map<string, string>();
  if (opts.file) {
    doc = readConfigFile(opts.file);
    const seed = mapSeedKeys(doc);
    for (const w of seed.warnings) opts.onWarning?.(`config file ${opts.file}: ${w}`);
    issues.push(...seed.issues.map((i) => `config file ${opts.file}: ${i}`));
    origins = seed.origins;
  }
  applyEnv(doc, opts.env ?? {}, issues);
  for (const s of opts.set ?? []) applySet(doc, s, issues);
  if (issues.length) throw new ConfigError(issues);
  try {
    return validateConfig(doc, opts.kinds);
  } catch (err) {
    if (!(err instanceof ConfigError) || origins.size === 0) throw err;
    // Name the key the user wrote: "[worker_pool] threads (pipeline.workers): -1 is invalid ...".
    throw new ConfigError(err.issues.map((i) => {
      const path = i.slice(0, i.indexOf(':'));
      const from = origins.get(path);
      return from === undefined ? i : `${from} (${path})${i.slice(path.length)}`;
    }));
  }
}

export function readConfigFile(file: string): JsonObject {
  let text: string;
  try {
    text = readFileBounded(file, READ_CAPS.config);
  } catch (err) {
    throw new ConfigError([`config file ${file}: ${(err as Error).message}`]);
  }
  let parsed: unknown;
  const toml = extname(file).toLowerCase() === '.toml';
  try {
    parsed = toml ? parseToml(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    // smol-toml's TomlError and yaml's YAMLParseError both name the line and column.
    throw new ConfigError([`config file ${file}: not valid ${toml ? 'TOML' : 'YAML'}: ${(err as Error).message}`]);
  }
  // TOML has dates and 64-bit integers; the schema takes neither, so they are reported like any wrong type.
  if (toml) parsed = fromToml(parsed);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`config file ${file}: expected a mapping at the top level, found ${describe(parsed as Json)}`]);
  }
  return parsed as JsonObject;
}

/** A parsed TOML value as JSON: bigint (beyond 2^53) and TOML date-times become strings the schema then refuses by name. */
function fromToml(v: unknown): Json {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(fromToml);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromToml(x)]));
  return v as Json;
}

/** Validates a parsed document (applying defaults in place) and checks the rules JSON Schema cannot express. */
export function validateConfig(input: unknown, kinds: KindSpecs = BUILTIN_SPECS): CollectorConfig {
  const doc = structuredClone(input ?? {}) as JsonObject;
  const validateSchema = validatorFor(kinds);
  if (!validateSchema(doc)) {
    const errors = validateSchema.errors ?? [];
    throw new ConfigError([...formatAjvErrors(errors, doc), ...crossFieldIssuesBeside(errors, doc, kinds)]);
  }
  const cfg = doc as unknown as CollectorConfig;
  const issues = crossFieldIssues(cfg, kinds);
  if (issues.length) throw new ConfigError(issues);
  if (!cfg.hostname) cfg.hostname = process.env.HOSTNAME || hostname();
  return cfg;
}

/**
 * Whether an input of this kind reads a short first frame of a 2-frame message as a topic, by default (the
 * `topicFrame` default of the kind's schema): PUB emitters (PUBHandler, omczmq topicframe) send
 * [topic, record]; PUSH senders' extra frames are records.
 */
export function defaultTopicFrame(type: InputType): boolean {
  const spec = BUILTIN_SPECS.inputs.find((k) => k.type === type);
  return (spec?.schema.properties.topicFrame as { default?: boolean } | undefined)?.default ?? false;
}

/**
 * The cross-field problems of a document that failed the schema, so one run names every problem (a user fixing
 * the type errors should not meet a duplicate id only on the next run). Only issues about fields the schema
 * accepted are kept: an issue naming a field with a schema error, or inside one, would be noise built on a bad value.
 */
function crossFieldIssuesBeside(errors: readonly ErrorObject[], doc: JsonObject, kinds: KindSpecs): string[] {
  const bad = errors.filter((e) => e.keyword !== 'if').map((e) => pointerToPath(e.instancePath));
  if (bad.includes('')) return [];
  // Wrongly typed values are taken out (a copy), so the checks meet missing fields rather than a string where
  // they walk a list; array items stay so that indexes in the messages keep matching the file.
  const copy = structuredClone(doc);
  for (const e of errors) {
    const segs = e.instancePath.split('/').slice(1);
    const last = segs.pop();
    if (e.keyword === 'additionalProperties' || e.keyword === 'required' || last === undefined || /^\d+$/.test(last)) continue;
    const parent = valueAt(copy, segs.length ? `/${segs.join('/')}` : '');
    if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as JsonObject)[last.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  let issues: string[];
  try {
    issues = crossFieldIssues(copy as unknown as CollectorConfig, kinds, false);
  } catch {
    return []; // a wrongly typed value the checks cannot walk; the schema errors already name it
  }
  const mentions = (issue: string, path: string): boolean => new RegExp(`(^|[^\\w.\\[\\]])${path.replace(/[.[\]]/g, '\\$&')}(?![\\w])`).test(issue);
  return issues.filter((issue) => {
    const subject = issue.slice(0, issue.indexOf(':'));
    return !bad.some((p) => mentions(issue, p) || p.startsWith(`${subject}.`) || p.startsWith(`${subject}[`));
  });
}

function crossFieldIssues(cfg: CollectorConfig, kinds: KindSpecs, valid = true): string[] {
  const issues: string[] = [];
  const ids = new Map<string, string>();
  const claimed = new Map<string, string>();
  const entries = (list: readonly KindConfig[], name: string, specs: readonly KindSpec[]) =>
    list.forEach((entry, i) => {
      const path = `${name}[${i}]`;
      if (ids.has(entry.id)) issues.push(`${path}.id: "${entry.id}" is already used by ${ids.get(entry.id)}; ids must be unique`);
      ids.set(entry.id, path);
      const spec = specs.find((k) => k.type === entry.type);
      try {
        issues.push(...(spec?.check?.(entry, path) ?? []));
        for (const { key, what } of spec?.claims?.(entry) ?? []) {
          if (claimed.has(key)) issues.push(`${path}: ${what} is already used by ${claimed.get(key)}`);
          else claimed.set(key, path);
        }
      } catch (err) {
        // Only reachable for an entry the schema refused (see crossFieldIssuesBeside): its schema errors say why.
        if (valid) throw err;
      }
    });
  entries(cfg.inputs, 'inputs', kinds.inputs);
  entries(cfg.sinks, 'sinks', kinds.sinks);
  if (cfg.pipeline.batch.maxBytes > cfg.pipeline.queue.maxBytes) {
    issues.push(`pipeline.batch.maxBytes: ${cfg.pipeline.batch.maxBytes} exceeds pipeline.queue.maxBytes (${cfg.pipeline.queue.maxBytes}); a batch must fit in the queue`);
  }
  if (cfg.pipeline.batch.maxRecords > cfg.pipeline.queue.maxRecords) {
    issues.push(`pipeline.batch.maxRecords: ${cfg.pipeline.batch.maxRecords} exceeds pipeline.queue.maxRecords (${cfg.pipeline.queue.maxRecords}); a batch must fit in the queue`);
  }
  issues.push(...portIssues(cfg));
  if (cfg.limits.maxDecompressedBytes < cfg.limits.maxRecordBytes) {
    issues.push(`limits.maxDecompressedBytes: ${cfg.limits.maxDecompressedBytes} is below limits.maxRecordBytes (${cfg.limits.maxRecordBytes})`);
  }
  if (cfg.admin.port !== 0 && cfg.admin.port === cfg.http.port) issues.push(`admin.port: ${cfg.admin.port} is also http.port; the admin listener needs a port of its own`);
  if (cfg.retry.maxDelayMs < cfg.retry.initialDelayMs) issues.push(`retry.maxDelayMs: ${cfg.retry.maxDelayMs} is below retry.initialDelayMs (${cfg.retry.initialDelayMs})`);
  issues.push(...healthIssues(cfg.health));
  issues.push(...routingIssues(cfg));
  return issues;
}

/** Routing rules must name inputs that exist, drop rules need distinct ids, and a record's sinks fit a mask. */
function routingIssues(cfg: CollectorConfig): string[] {
  const issues: string[] = [];
  const inputIds = new Set(cfg.inputs.map((i) => i.id));
  const known = `known inputs: ${[...inputIds].join(', ')}`;
  const conds: [string, { inputs?: readonly string[] } | undefined][] = [
    ...cfg.sinks.map((s, i): [string, { inputs?: readonly string[] } | undefined] => [`sinks[${i}].match`, (s as { match?: { inputs?: readonly string[] } }).match]),
    ...cfg.routing.drop.map((r, i): [string, { inputs?: readonly string[] }] => [`routing.drop[${i}]`, r]),
  ];
  for (const [path, c] of conds) {
    (c?.inputs ?? []).forEach((id, j) => {
      if (!inputIds.has(id)) issues.push(`${path}.inputs[${j}]: no input has id "${id}" (${known})`);
    });
  }
  const rules = new Map<string, number>();
  cfg.routing.drop.forEach((r, i) => {
    if (rules.has(r.id)) issues.push(`routing.drop[${i}].id: "${r.id}" is already used by routing.drop[${rules.get(r.id)}]; rule ids must be unique`);
    rules.set(r.id, i);
  });
  const routed = cfg.routing.drop.length > 0 || conds.some(([, c]) => c !== undefined);
  if (routed && cfg.sinks.length > MAX_ROUTED_SINKS) issues.push(`sinks: ${cfg.sinks.length} sinks with routing (match or routing.drop); at most ${MAX_ROUTED_SINKS} are supported`);
  return issues;
}

interface TcpPort {
  path: string;
  host: string;
  port: number;
}

/** Hosts that bind every address: a port bound on one of them collides with that port on any host. */
const WILDCARD_HOSTS = new Set(['*', '0.0.0.0', '::', '[::]', '']);

function sameAddress(a: string, b: string): boolean {
  const norm = (h: string): string => (h === 'localhost' ? '127.0.0.1' : h);
  return WILDCARD_HOSTS.has(a) || WILDCARD_HOSTS.has(b) || norm(a) === norm(b);
}

/**
 * TCP ports: at most 65535 (the endpoint pattern only limits digits; libzmq takes 99999 modulo 2^16), and no
 * port bound twice by the inputs (of any kind that binds), the HTTP server and the admin listener, which otherwise fails only at
 * bind time with exit 1 instead of a configuration error. Port 0 and `*` pick a free port and never collide.
 */
function portIssues(cfg: CollectorConfig): string[] {
  const issues: string[] = [];
  const ports: TcpPort[] = [];
  cfg.inputs.forEach((input, i) => {
    const { bind = [], connect = [] } = input as { bind?: readonly string[]; connect?: readonly string[] };
    bind.forEach((ep, j) => {
      const m = /^tcp:\/\/(.*):(\*|\d+)$/.exec(ep);
      if (!m || m[2] === '*') return;
      const port = Number(m[2]);
      const path = `inputs[${i}].bind[${j}]`;
      if (port > 65535) issues.push(`${path}: port ${port} in ${JSON.stringify(ep)} is above 65535`);
      else if (port > 0) ports.push({ path, host: m[1], port });
    });
    connect.forEach((ep, j) => {
      const m = /^tcp:\/\/.*:(\d+)$/.exec(ep);
      if (m && Number(m[1]) > 65535) issues.push(`inputs[${i}].connect[${j}]: port ${m[1]} in ${JSON.stringify(ep)} is above 65535`);
    });
  });
  if (cfg.http.port > 0) ports.push({ path: 'http.port', host: cfg.http.host, port: cfg.http.port });
  if (cfg.admin.port > 0) ports.push({ path: 'admin.port', host: cfg.admin.host, port: cfg.admin.port });
  for (let a = 0; a < ports.length; a++) {
    for (let b = a + 1; b < ports.length; b++) {
      const x = ports[a];
      const y = ports[b];
      // http.port against admin.port has its own rule above.
      if (x.path === 'http.port' && y.path === 'admin.port') continue;
      if (x.port === y.port && sameAddress(x.host, y.host)) issues.push(`${y.path}: port ${y.port} is already bound by ${x.path}`);
    }
  }
  return issues;
}

export function formatAjvErrors(errors: ErrorObject[], doc: unknown): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    // if/then wrappers only repeat the real error found inside the branch.
    if (e.keyword === 'if') continue;
    const path = pointerToPath(e.instancePath);
    const value = valueAt(doc, e.instancePath);
    const where = path || '(top level)';
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        // An inputs[]/sinks[] entry: say what its kind takes (each kind's schema lists exactly its fields).
        const fields = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        const kind = (value as { type?: unknown } | undefined)?.type;
        const takes = typeof kind === 'string' && fields.includes('type') ? `; a ${kind} ${path.startsWith('sinks') ? 'sink' : 'input'} takes ${fields.join(', ')}` : '';
        out.add(`${where}: unknown field "${extra}"${takes}`);
        break;
      }
      case 'required':
        out.add(`${where}: missing required field "${(e.params as { missingProperty: string }).missingProperty}"`);
        break;
      case 'enum':
        out.add(`${where}: ${describe(value)} is not allowed; expected one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'const':
        out.add(`${where}: ${describe(value)} is not allowed; expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`);
        break;
      default:
        out.add(`${where}: ${describe(value)} is invalid: ${e.message ?? e.keyword}`);
    }
  }
  return [...out];
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function valueAt(doc: unknown, pointer: string): Json {
  let cur: unknown = doc;
  for (const seg of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur as Json;
}

function describe(v: Json | undefined): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return String(v);
}

// ---- environment and --set overrides -------------------------------------------------------------------

interface Leaf {
  path: string[];
  type: 'integer' | 'number' | 'boolean' | 'string' | 'json';
}

function collectLeaves(schema: unknown, path: string[], out: Leaf[]): Leaf[] {
  const s = schema as { type?: string; properties?: Record<string, unknown>; enum?: unknown[] };
  if (s.type === 'object' && s.properties) {
    for (const [k, sub] of Object.entries(s.properties)) collectLeaves(sub, [...path, k], out);
  } else if (s.type === 'integer' || s.type === 'number' || s.type === 'boolean' || s.type === 'string') {
    out.push({ path, type: s.type });
  } else if (s.enum) {
    out.push({ path, type: 'string' });
  } else {
    out.push({ path, type: 'json' });
  }
  return out;
}

const leaves = collectLeaves(collectorConfigSchema, [], []);

/** `pipeline.ackMode` -> `ZLOG_PIPELINE_ACK_MODE`. */
export function envName(path: readonly string[]): string {
  return 'ZLOG_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Every environment variable the collector reads, with its config path (for docs and `zlog validate --env`). */
export function environmentVariables(): { name: string; path: string; type: string }[] {
  return leaves.map((l) => ({ name: envName(l.path), path: l.path.join('.'), type: l.type }));
}

const envIndex = new Map(leaves.map((l) => [envName(l.path), l]));

function applyEnv(doc: JsonObject, env: NodeJS.ProcessEnv, issues: string[]): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('ZLOG_') || raw === undefined) continue;
    const leaf = envIndex.get(name);
    if (!leaf) continue; // ZLOG_REPO_ROOT and friends belong to tooling, not to the config
    const value = coerce(raw, leaf.type);
    if (value instanceof Error) issues.push(`${name} (${leaf.path.join('.')}): ${value.message}`);
    else setPath(doc, leaf.path, value);
  }
}

/**
 * `--set PATH=VALUE`. PATH is dotted keys with list items addressed as Helm's --set does: `http.port`,
 * `inputs[0].framing`, `sinks[1].rotation.maxBytes`. An item of a list the document does not set yet is an item of
 * the list's default (so `inputs[0]` is the default first input); index N = length appends a new item.
 */
function applySet(doc: JsonObject, expr: string, issues: string[]): void {
  const eq = expr.indexOf('=');
  if (eq <= 0) {
    issues.push(`--set ${expr}: expected PATH=VALUE, e.g. --set http.port=9091 or --set 'inputs[0].framing=lines'`);
    return;
  }
  const name = expr.slice(0, eq);
  const path = parseSetPath(name);
  if (path === undefined) {
    issues.push(`--set ${expr}: "${name}" is not a setting path (keys separated by ".", list items as [N])`);
    return;
  }
  const resolved = resolvePath(path);
  if (typeof resolved === 'string') {
    issues.push(`--set ${expr}: ${resolved}`);
    return;
  }
  const value = coerce(expr.slice(eq + 1), resolved.type);
  if (value instanceof Error) {
    issues.push(`--set ${expr}: ${value.message}`);
    return;
  }
  const err = setPath(doc, path, value, resolved.defaults);
  if (err !== undefined) issues.push(`--set ${expr}: ${err}`);
}

type Segment = string | number;

/** `inputs[0].framing` -> ["inputs", 0, "framing"]; undefined when malformed. */
function parseSetPath(name: string): Segment[] | undefined {
  const out: Segment[] = [];
  for (const part of name.split('.')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[[0-9]+\])*)$/.exec(part);
    if (!m) return undefined;
    out.push(m[1]);
    for (const idx of m[2].matchAll(/\[([0-9]+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/**
 * The schema type at path (list indexes step into `items`), and the defaults of the lists on the way (by path
 * prefix length), or a message naming the first segment that does not exist.
 */
function resolvePath(path: readonly Segment[]): { type: Leaf['type']; defaults: Map<number, Json> } | string {
  let s = collectorConfigSchema as unknown as SchemaNode;
  const defaults = new Map<number, Json>();
  for (const [k, seg] of path.entries()) {
    const where = pathText(path.slice(0, k + 1));
    if (typeof seg === 'number') {
      if (s.type !== 'array' || s.items === undefined) return `${pathText(path.slice(0, k))} is not a list`;
      if (s.default !== undefined) defaults.set(k, s.default);
      s = s.items;
    } else {
      // Variants (a file or a stdout sink) keep their fields under allOf/oneOf/anyOf, possibly in if/then.
      const variants = [...(s.allOf ?? []), ...(s.oneOf ?? []), ...(s.anyOf ?? [])].flatMap((o) => [o, o.then ?? {}]);
      const sub = s.properties?.[seg] ?? variants.map((o) => o.properties?.[seg]).find((x) => x !== undefined);
      if (sub === undefined) return `unknown setting "${pathText(path)}"${k + 1 < path.length ? ` (no "${where}")` : ''}`;
      s = sub;
    }
  }
  return { type: leafType(s), defaults };
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: unknown[];
  default?: Json;
  allOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  then?: SchemaNode;
}

function leafType(s: SchemaNode): Leaf['type'] {
  if (s.type === 'integer' || s.type === 'number' || s.type === 'boolean' || s.type === 'string') return s.type;
  if (s.enum || (s as { const?: unknown }).const !== undefined) return 'string';
  return 'json';
}

function pathText(path: readonly Segment[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function coerce(raw: string, type: Leaf['type']): Json | Error {
  switch (type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) return new Error(`"${raw}" is not a number`);
      return n;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      return new Error(`"${raw}" is not a boolean (true/false)`);
    case 'string':
      return raw;
    case 'json':
      try {
        return JSON.parse(raw) as Json;
      } catch {
        return new Error(`"${raw.slice(0, 80)}" is not valid JSON`);
      }
  }
}

function setPath(doc: JsonObject, path: readonly Segment[], value: Json, defaults: ReadonlyMap<number, Json> = new Map()): string | undefined {
  let cur: JsonObject | Json[] = doc;
  for (let k = 0; k < path.length - 1; k++) {
    const seg = path[k];
    const nextIsIndex = typeof path[k + 1] === 'number';
    const container = cur as Record<string | number, Json>;
    let next = container[seg];
    if (nextIsIndex) {
      // A list the document does not set yet starts as its default, so [0] addresses the default first item.
      if (!Array.isArray(next)) next = container[seg] = structuredClone(defaults.get(k + 1) ?? []) as Json[];
    } else if (next === null || next === undefined || typeof next !== 'object' || Array.isArray(next)) {
      next = container[seg] = {};
    }
    if (typeof path[k + 1] === 'number') {
      const list = next as Json[];
      const idx = path[k + 1] as number;
      if (idx > list.length) return `${pathText(path.slice(0, k + 1))} has ${list.length} item(s); [${idx}] is past its end (use [${list.length}] to add one)`;
    }
    cur = next as JsonObject | Json[];
  }
  (cur as Record<string | number, Json>)[path[path.length - 1]] = value;
  return undefined;
}
