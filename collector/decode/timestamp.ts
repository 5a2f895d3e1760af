// Timestamps from emitters into one form: ISO 8601 in UTC with a `Z`, keeping the sender's fractional digits
// (rsyslog sends microseconds; Date would cut them to milliseconds). UTC everywhere makes the NDJSON output
// sort lexically in time order. Parsing walks char codes: no regex, no Date on the common `Z`/`+00:00` path.

/** Two ASCII digits at i as a number, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Days in month m (0..11) of year y in the proleptic Gregorian calendar (ISO 8601, RFC 3339 section 5.7). */
export function daysInMonth(y: number, m: number): number {
  if (m === 1) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 3 || m === 5 || m === 8 || m === 10 ? 30 : 31;
}

function pad(n: number, width: number): string {
  let s = String(n);
  while (s.length < width) s = '0' + s;
  return s;
}

/**
 * Whether s[start..] has the shape `YYYY-MM-DD(T|t| )HH:MM` of an RFC 3339 time, whatever its values: a header
 * field of this shape that rfc3339ToIso refuses names an impossible time (flagged), not a missing one.
 */
export function hasRfc3339Shape(s: string, start: number): boolean {
  for (const k of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]) if (!isDigit(s.charCodeAt(start + k))) return false;
  const sep = s.charCodeAt(start + 10);
  return s.charCodeAt(start + 4) === 45 && s.charCodeAt(start + 7) === 45 && s.charCodeAt(start + 13) === 58 && (sep === 84 || sep === 116 || sep === 32);
}

/**
 * `YYYY-MM-DDTHH:MM[:SS][.frac](Z|±HH:MM|±HHMM)` between start and end, as UTC ISO 8601; undefined when it is not
 * one. Also accepted, for JSON loggers: a space or lower-case `t` as separator, `,` before the fraction (Python's
 * asctime) and no zone at all (taken as UTC, the only defensible guess for a collector).
 */
export function rfc3339ToIso(s: string, start = 0, end = s.length): string | undefined {
  if (end - start < 16) return undefined;
  const y1 = d2(s, start);
  const y2 = d2(s, start + 2);
  const mo = d2(s, start + 5);
  const d = d2(s, start + 8);
  const sep = s.charCodeAt(start + 10);
  const h = d2(s, start + 11);
  const mi = d2(s, start + 14);
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59) return undefined;
  if (s.charCodeAt(start + 4) !== 45 || s.charCodeAt(start + 7) !== 45 || s.charCodeAt(start + 13) !== 58) return undefined;
  if (sep !== 84 && sep !== 116 && sep !== 32) return undefined; // T t space
  let i = start + 16;
  let sec = 0;
  if (i < end && s.charCodeAt(i) === 58) {
    sec = d2(s, i + 1);
    if (sec < 0 || sec > 60) return undefined;
    i += 3;
  }
  let fracStart = i;
  let fracEnd = i;
  if (i < end && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
    fracStart = i + 1;
    i++;
    while (i < end && isDigit(s.charCodeAt(i))) i++;
    fracEnd = i;
    if (fracEnd === fracStart) return undefined;
  }
  let offsetMin = 0;
  if (i < end) {
    const z = s.charCodeAt(i);
    if (z === 90 || z === 122) {
      i++;
    } else if (z === 43 || z === 45) {
      const oh = d2(s, i + 1);
      let om: number;
      if (s.charCodeAt(i + 3) === 58) {
        om = d2(s, i + 4);
        i += 6;
      } else {
        om = d2(s, i + 3);
        i += 5;
      }
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
      offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return undefined;
    }
    if (i !== end) return undefined;
  }
  const frac = fracEnd > fracStart ? '.' + s.slice(fracStart, fracEnd) : '';
  const year = y1 * 100 + y2;
  // RFC 3339 section 5.7: the day must exist in that month of that year (no Feb 30, no Feb 29 in 2026).
  if (d > daysInMonth(year, mo - 1)) return undefined;
  if (offsetMin === 0 && sep === 84 && sec < 60 && s.charCodeAt(start + 16) === 58) {
    // Already UTC and in the canonical layout: copy, only the zone designator changes.
    return s.slice(start, start + 19) + frac + 'Z';
  }
  const ms = Date.UTC(year, mo - 1, d, h, mi, sec) - offsetMin * 60_000;
  return isoWithFraction(ms, frac);
}

/** A UTC time in whole seconds (as milliseconds) as ISO 8601 with fraction `frac` (".123456" or ""). */
function isoWithFraction(ms: number, frac: string): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const sec = Math.floor(ms / 1000);
  const prefix = secondPrefix(sec);
  if (prefix === undefined) return undefined;
  // Date.UTC got whole seconds; only a UTC offset of whole minutes was applied, so no milliseconds are lost.
  return prefix + frac + 'Z';
}

/**
 * Epoch time as ISO 8601. The unit is guessed from the magnitude, which is unambiguous for any date after 1973:
 * seconds (Python's time.time(), may carry a fraction), milliseconds (pino, JavaScript), microseconds, nanoseconds.
 * Sub-millisecond digits are kept up to microseconds.
 */
export function epochToIso(n: number | bigint): string | undefined {
  if (typeof n === 'bigint') {
    // An integer JSON number beyond 2^53 (json-numbers.ts): nanoseconds are cut to microseconds exactly here,
    // where the float would already be off by up to 256 ns.
    if (n < 0n) return undefined;
    n = n >= 100_000_000_000_000_000n ? Number(n / 1000n) * 1000 : Number(n);
  }
  if (!Number.isFinite(n) || n < 0) return undefined;
  let micros: number;
  if (n >= 1e17) micros = Math.floor(n / 1000);
  else if (n >= 1e14) micros = Math.floor(n);
  else if (n >= 1e11) micros = Math.round(n * 1000);
  else micros = Math.round(n * 1e6);
  const sec = Math.floor(micros / 1e6);
  const prefix = secondPrefix(sec);
  if (prefix === undefined) return undefined;
  const sub = micros - sec * 1e6;
  const ms = Math.floor(sub / 1000);
  const us = sub - ms * 1000;
  return prefix + '.' + pad(ms, 3) + (us === 0 ? '' : pad(us, 3)) + 'Z';
}

// Records arrive in bursts from the same second: format each second's `YYYY-MM-DDTHH:MM:SS` once.
let lastSecond = Number.NaN;
let lastSecondPrefix = '';

function secondPrefix(sec: number): string | undefined {
  if (sec !== lastSecond) {
    const d = new Date(sec * 1000);
    // Beyond ±8.64e15 ms (ECMA-262 §21.4.1.1) there is no date: toISOString would throw a RangeError.
    if (Number.isNaN(d.getTime())) return undefined;
    const iso = d.toISOString();
    if (iso.length !== 24) return undefined; // years outside 0000..9999 have another layout
    lastSecondPrefix = iso.slice(0, 19);
    lastSecond = sec;
  }
  return lastSecondPrefix;
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** Index 0..11 of the RFC 3164 month abbreviation at i, or -1. */
export function monthAt(s: string, i: number): number {
  const idx = MONTHS.indexOf(s.slice(i, i + 3));
  return idx >= 0 && idx % 3 === 0 ? idx / 3 : -1;
}

const HALF_YEAR_MS = 183 * 86_400_000;
let lastReceivedAt = '';
let lastReceivedMs = 0;
let lastReceivedYear = 0;

/** An RFC 3164 timestamp read from a header: where it ends and the time, or `iso: undefined` for a day that does not exist. */
export interface Rfc3164Time {
  /** Index just past the timestamp. */
  end: number;
  iso: string | undefined;
}

/**
 * The RFC 3164 timestamp `Mmm dd hh:mm:ss[.frac]` at start (RFC 3164 section 4.1.2), or undefined when the text
 * there does not have its shape. The day may be space-padded (`Jan  1`, the RFC's form), zero-padded (`Jan 01`)
 * or not padded (`Jan 1`): real devices send all three.
 * It names no year and no zone: the year is the one that puts the time nearest to receivedAt (a record from Dec 31
 * received on Jan 1 lands in the old year) among the years in which that day exists (Feb 29 only in leap years);
 * a day that exists in no year (Feb 30, Apr 31) gives `iso: undefined`. The zone is taken as UTC (rsyslog writes
 * local time; pods run in UTC).
 */
export function readRfc3164(s: string, start: number, receivedAt: string): Rfc3164Time | undefined {
  const mo = monthAt(s, start);
  if (mo < 0 || s.charCodeAt(start + 3) !== 32) return undefined;
  let i = start + 4;
  if (s.charCodeAt(i) === 32) i++; // space padding
  let d = 0;
  const dStart = i;
  while (i < dStart + 2 && isDigit(s.charCodeAt(i))) d = d * 10 + s.charCodeAt(i++) - 48;
  if (i === dStart || d < 1 || d > 31 || (i - dStart === 2 && dStart !== start + 4)) return undefined;
  if (s.charCodeAt(i) !== 32 || s.charCodeAt(i + 3) !== 58 || s.charCodeAt(i + 6) !== 58) return undefined;
  const h = d2(s, i + 1);
  const mi = d2(s, i + 4);
  const sec = d2(s, i + 7);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return undefined;
  i += 9;
  let frac = '';
  if (s.charCodeAt(i) === 46) {
    const f = i;
    i++;
    while (isDigit(s.charCodeAt(i))) i++;
    if (i === f + 1) return undefined;
    frac = s.slice(f, i);
  }
  const next = s.charCodeAt(i);
  if (i < s.length && next !== 32) return undefined;
  if (d > daysInMonth(2000, mo)) return { end: i, iso: undefined }; // no year has it
  if (receivedAt !== lastReceivedAt) {
    // Receive times repeat across a batch; parse each distinct one once.
    const ms = Date.parse(receivedAt);
    lastReceivedMs = Number.isFinite(ms) ? ms : Date.now();
    lastReceivedYear = new Date(lastReceivedMs).getUTCFullYear();
    lastReceivedAt = receivedAt;
  }
  let year = lastReceivedYear;
  let ms: number;
  if (mo === 1 && d === 29) {
    // Feb 29: the leap year whose Feb 29 is nearest the receive time (at most four years away).
    let best = Number.NaN;
    for (let y = year - 4; y <= year + 4; y++) {
      if (daysInMonth(y, 1) !== 29) continue;
      const t = Date.UTC(y, mo, d, h, mi, sec);
      if (Number.isNaN(best) || Math.abs(t - lastReceivedMs) < Math.abs(best - lastReceivedMs)) best = t;
    }
    ms = best;
  } else {
    ms = Date.UTC(year, mo, d, h, mi, sec);
    if (ms - lastReceivedMs > HALF_YEAR_MS) ms = Date.UTC(--year, mo, d, h, mi, sec);
    else if (lastReceivedMs - ms > HALF_YEAR_MS) ms = Date.UTC(++year, mo, d, h, mi, sec);
  }
  return { end: i, iso: isoWithFraction(ms, frac) };
}

/** readRfc3164 for a text that is exactly one timestamp between start and end; undefined also for impossible days. */
export function rfc3164ToIso(s: string, start: number, end: number, receivedAt: string): string | undefined {
  const t = readRfc3164(s.slice(0, end), start, receivedAt);
  return t !== undefined && t.end === end ? t.iso : undefined;
}
