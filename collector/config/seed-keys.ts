// The configuration keys of zlog's origin document (its TOML example: `[memory]`, `[monitoring]`,
// `[worker_pool]`) mapped onto zlog's settings, so that file keeps working. Keys with a counterpart move to it;
// keys without one are named in a warning (the file still loads); a key set both ways is an error.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

interface SeedKey {
  /** zlog setting path, or undefined when zlog has no counterpart. */
  to?: string[];
  /** Converts the seed's value (units) to zlog's; identity when absent. */
  convert?: (v: Json) => Json;
  /** Why there is no counterpart, or what the mapping means. */
  note: string;
}

const seconds = (v: Json): Json => (typeof v === 'number' ? Math.round(v * 1000) : v);

/** Section -> key -> mapping. One place for the table docs/configuration.md shows. */
export const SEED_KEYS: Readonly<Record<string, Readonly<Record<string, SeedKey>>>> = {
  memory: {
    buffer_size: { to: ['pipeline', 'bufferPool', 'bufferBytes'], note: 'bytes per pooled transfer buffer' },
    max_buffers: { to: ['pipeline', 'bufferPool', 'buffers'], note: 'pooled transfer buffers kept for reuse' },
    enable_compression: { note: 'no counterpart: native senders choose compression per batch; rotated files are gzipped by sinks[].compress' },
  },
  monitoring: {
    enable_metrics: { note: 'no counterpart: /metrics is always served on http.port' },
    metrics_port: { to: ['http', 'port'], note: 'port of /metrics, probes and /drain' },
    health_check_interval: { to: ['health', 'intervalMs'], convert: seconds, note: 'seconds, converted to milliseconds' },
  },
  worker_pool: {
    threads: { to: ['pipeline', 'workers'], note: 'processing threads' },
    queue_size: { to: ['pipeline', 'queue', 'maxRecords'], note: 'records held between receipt and write' },
    batch_size: { to: ['pipeline', 'batch', 'maxRecords'], note: 'records per sink write' },
  },
};

export interface SeedMapping {
  /** Messages about keys without a counterpart (the file still loads). */
  warnings: string[];
  /** Errors: a key set both ways, an unknown key in a seed section, a section that is not a table. */
  issues: string[];
  /** zlog path (dotted) -> the seed key it came from, to name it in validation errors. */
  origins: Map<string, string>;
}

/** Moves the seed's keys in doc (in place) to zlog's settings. */
export function mapSeedKeys(doc: JsonObject): SeedMapping {
  const out: SeedMapping = { warnings: [], issues: [], origins: new Map() };
  for (const [section, keys] of Object.entries(SEED_KEYS)) {
    if (!Object.hasOwn(doc, section)) continue;
    const table = doc[section];
    delete doc[section];
    if (table === null || typeof table !== 'object' || Array.isArray(table)) {
      out.issues.push(`[${section}]: expected a table of ${Object.keys(keys).join(', ')}`);
      continue;
    }
    for (const [key, value] of Object.entries(table)) {
      const name = `[${section}] ${key}`;
      const m = Object.hasOwn(keys, key) ? keys[key] : undefined;
      if (m === undefined) {
        out.issues.push(`${name}: unknown key; [${section}] takes ${Object.keys(keys).join(', ')}`);
      } else if (m.to === undefined) {
        out.warnings.push(`${name} is ignored: ${m.note}`);
      } else {
        const path = m.to.join('.');
        let cur: JsonObject = doc;
        for (const seg of m.to.slice(0, -1)) {
          const next = cur[seg];
          if (next === null || next === undefined || typeof next !== 'object' || Array.isArray(next)) cur[seg] = {};
          cur = cur[seg] as JsonObject;
        }
        const leaf = m.to[m.to.length - 1];
        if (Object.hasOwn(cur, leaf)) out.issues.push(`${name}: also set as ${path}; keep one`);
        else {
          cur[leaf] = m.convert ? m.convert(value) : value;
          out.origins.set(path, name);
        }
      }
    }
  }
  return out;
}
