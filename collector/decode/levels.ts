// Severity and facility names from the many spellings emitters use: syslog codes, rsyslog's text names, pino's
// numbers, Python logging's level names. One table so every decoder maps a name the same way.

import { FACILITIES, SEVERITIES, type Facility, type Severity } from '../record.js';

// Lower-case keys; callers lower-case only when the exact spelling misses, so the common case costs one lookup.
const SEVERITY_NAMES: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ['emerg', 'emerg'], ['emergency', 'emerg'], ['panic', 'emerg'],
  ['alert', 'alert'],
  ['crit', 'crit'], ['critical', 'crit'], ['fatal', 'crit'],
  ['err', 'err'], ['error', 'err'], ['eror', 'err'],
  ['warning', 'warning'], ['warn', 'warning'],
  ['notice', 'notice'],
  ['info', 'info'], ['information', 'info'], ['informational', 'info'],
  ['debug', 'debug'], ['trace', 'debug'], ['verbose', 'debug'],
]);

/** A severity from a level name in any case ("WARN", "warning", "CRITICAL", "fatal"); undefined when unknown. */
export function severityFromName(name: string): Severity | undefined {
  return SEVERITY_NAMES.get(name) ?? SEVERITY_NAMES.get(name.toLowerCase());
}

/**
 * A severity from a number: 0..7 are syslog severity codes; 10..60 follow pino (10 trace, 20 debug, 30 info,
 * 40 warn, 50 error, 60 fatal), values in between round down to the level below.
 * Python's numeric levels collide with pino's (30 is WARNING there), so Python is recognised by name only.
 */
export function severityFromNumber(n: number): Severity | undefined {
  if (!Number.isInteger(n) || n < 0) return undefined;
  if (n <= 7) return SEVERITIES[n];
  if (n < 10) return undefined;
  if (n >= 60) return 'crit';
  if (n >= 50) return 'err';
  if (n >= 40) return 'warning';
  if (n >= 30) return 'info';
  return 'debug';
}

/** A severity from a JSON value (name, number, or number in a string). */
export function severityFromValue(v: unknown): Severity | undefined {
  if (typeof v === 'string') {
    const byName = severityFromName(v);
    if (byName !== undefined) return byName;
    return isDigits(v) ? severityFromNumber(Number(v)) : undefined;
  }
  if (typeof v === 'number') return severityFromNumber(v);
  return undefined;
}

const FACILITY_NAMES: ReadonlyMap<string, Facility> = (() => {
  const m = new Map<string, Facility>();
  for (const f of FACILITIES) m.set(f, f);
  // rsyslog's %syslogfacility-text% names for codes 13..15 differ from the names record.ts uses.
  m.set('audit', 'security');
  m.set('alert', 'console');
  m.set('clock', 'solaris-cron');
  m.set('cron2', 'solaris-cron');
  return m;
})();

/** A facility from its name (syslog or rsyslog spelling, any case) or its code 0..23. */
export function facilityFromValue(v: unknown): Facility | undefined {
  if (typeof v === 'string') {
    const f = FACILITY_NAMES.get(v) ?? FACILITY_NAMES.get(v.toLowerCase());
    if (f !== undefined) return f;
    return isDigits(v) ? FACILITIES[Number(v)] : undefined;
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return FACILITIES[v];
  return undefined;
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 3) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
