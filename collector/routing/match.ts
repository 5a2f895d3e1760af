// Compiles routing settings (routing/schema.ts) into a Router that decides, for one record, which sinks take
// it or which drop rule removes it. Pure: it runs inside the worker threads (pipeline/processor.ts), once per
// record, so everything that can be worked out ahead (regexes, severity ranks) is done here at construction.
import { SEVERITIES, type LogRecord } from '../record.js';
import type { DropRuleConfig, MatchConfig, RoutingConfig } from './schema.js';

/** What the worker is given: each sink's `match` (in config order, absent = every record) and `routing`. */
export interface RouteTable {
  sinks: (MatchConfig | undefined)[];
  drop: DropRuleConfig[];
  unmatched: 'first' | 'drop';
}

/** The route table of a configuration: each sink's `match` (kinds without one take everything) and `routing`. */
export function routeTable(cfg: { sinks: readonly object[]; routing: RoutingConfig }): RouteTable {
  return { sinks: cfg.sinks.map((s) => (s as { match?: MatchConfig }).match), drop: [...cfg.routing.drop], unmatched: cfg.routing.unmatched };
}

/** The fields of a record a condition can read. A fast-path record has only ts, input, host and message. */
export type RouteRecord = Pick<LogRecord, 'input'> & Partial<Omit<LogRecord, 'input'>>;

type Test = (r: RouteRecord) => boolean;

/** route(): no sink's `match` took the record (routing.unmatched decides). */
export const UNMATCHED = 0;

/** True when the settings route or filter anything; false means every sink takes every record. */
export function routingActive(t: RouteTable): boolean {
  return t.drop.length > 0 || t.sinks.some((m) => m !== undefined);
}

export class Router {
  private readonly sinkTests: (Test | undefined)[];
  private readonly dropTests: Test[];
  /** Mask of the sinks without a `match`: they take every record not dropped. */
  private readonly always: number;
  /** True when some condition reads `message` (the fast path must then decode the record's text). */
  readonly readsMessage: boolean;
  /** True when some condition reads a field a fast-path record never has, other than input and host. */
  readonly readsOnlyInputHost: boolean;

  constructor(readonly table: RouteTable) {
    const conds = [...table.sinks.filter((m): m is MatchConfig => m !== undefined), ...table.drop];
    const named = conds.flatMap((c) => [...Object.keys(c.fieldEquals ?? {}), ...(c.fieldExists ?? [])]);
    this.readsMessage = named.includes('message');
    this.readsOnlyInputHost = conds.every((c) => !c.minSeverity && !c.app && !c.topic) && named.every((n) => n === 'input' || n === 'host');
    this.sinkTests = table.sinks.map((m) => (m ? compile(m) : undefined));
    this.dropTests = table.drop.map(compile);
    let always = 0;
    this.sinkTests.forEach((t, i) => {
      if (!t) always |= 1 << i;
    });
    this.always = always;
  }

  /**
   * For one record: the mask of sinks that take it (bit i = sinks[i]), UNMATCHED when no `match` takes it, or
   * -(1 + i) when drop rule i removes it (drop rules are tried first, in order).
   */
  route(r: RouteRecord): number {
    for (let i = 0; i < this.dropTests.length; i++) if (this.dropTests[i](r)) return -(1 + i);
    let mask = this.always;
    for (let i = 0; i < this.sinkTests.length; i++) {
      const t = this.sinkTests[i];
      if (t && t(r)) mask |= 1 << i;
    }
    return mask;
  }
}

/** A glob (`*`, `?`, everything else literal) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) src += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  return new RegExp(`^${src}$`, 's');
}

function fieldOf(r: RouteRecord, name: string): unknown {
  if (name.startsWith('fields.')) {
    const f = r.fields;
    return f && Object.prototype.hasOwnProperty.call(f, name.slice(7)) ? f[name.slice(7)] : undefined;
  }
  return (r as Record<string, unknown>)[name];
}

function equalsValue(v: unknown, want: string | number | boolean): boolean {
  if (v === want) return true;
  // A JSON sender may write a number where the rule has its text (or the other way round).
  if ((typeof v === 'number' || typeof v === 'boolean') && typeof want === 'string') return String(v) === want;
  if (typeof v === 'string' && typeof want !== 'string') return v === String(want);
  return false;
}

function anyGlob(globs: readonly string[]): (v: unknown) => boolean {
  const res = globs.map(globRegExp);
  return (v) => typeof v === 'string' && res.some((re) => re.test(v));
}

/** All conditions of one `match` or drop rule as one test. */
function compile(c: MatchConfig | DropRuleConfig): Test {
  const tests: Test[] = [];
  if (c.inputs) {
    const ids = new Set<string>(c.inputs);
    tests.push((r) => ids.has(r.input));
  }
  if (c.minSeverity) {
    const max = SEVERITIES.indexOf(c.minSeverity);
    tests.push((r) => r.severity !== undefined && SEVERITIES.indexOf(r.severity) <= max);
  }
  for (const key of ['app', 'host', 'topic'] as const) {
    const globs = c[key];
    if (globs) {
      const m = anyGlob(globs);
      tests.push((r) => m(r[key]));
    }
  }
  for (const [name, want] of Object.entries(c.fieldEquals ?? {})) tests.push((r) => equalsValue(fieldOf(r, name), want));
  for (const name of c.fieldExists ?? []) tests.push((r) => fieldOf(r, name) !== undefined);
  return (r) => {
    for (const t of tests) if (!t(r)) return false;
    return true;
  };
}
