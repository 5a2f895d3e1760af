// The Python side of the interop tests, shared by Phase A and Phase B: the fixture scripts and what the records
// they emit must decode to.

import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LogRecord } from '../../collector/record.js';
import { FIXTURES, PYTHON, startChild, type Child } from './harness.js';

/** fixtures/pubhandler_emit.py bound to endpoint; write a line to its stdin once subscribed. */
export function startPubHandler(endpoint: string, run: string): Child {
  return startChild(PYTHON, [join(FIXTURES, 'pubhandler_emit.py'), endpoint, run], { stdin: true });
}

/** fixtures/push_json.py connecting its PUSH to endpoint. */
export function startPushJson(endpoint: string, run: string): Child {
  return startChild(PYTHON, [join(FIXTURES, 'push_json.py'), endpoint, run]);
}

/** fixtures/push_text.py connecting its PUSH to endpoint. */
export function startPushText(endpoint: string, run: string): Child {
  return startChild(PYTHON, [join(FIXTURES, 'push_text.py'), endpoint, run]);
}

/** Whether text carries marker `${run}#${k}` (and not `${run}#${k}0`). */
export function hasMarker(text: string, run: string, k: number): boolean {
  const m = `${run}#${k}`;
  const i = text.indexOf(m);
  if (i < 0) return false;
  const next = text.charCodeAt(i + m.length);
  return !(next >= 48 && next <= 57);
}

/** The one record carrying marker k. */
export function recordWith(records: readonly LogRecord[], run: string, k: number): LogRecord {
  const found = records.filter((r) => hasMarker(r.message, run, k));
  assert.equal(found.length, 1, `records with marker ${run}#${k}: ${found.length}`);
  return found[0];
}

export const PUBHANDLER_RECORDS = 10;

/** Asserts the 10 PUBHandler records; returns how many were checked. */
export function assertPubHandlerRecords(records: readonly LogRecord[], run: string, host: string | undefined): number {
  const esc = run.replace(/[^a-z0-9]/gi, (c) => `\\${c}`);
  const want: [number, string, string, RegExp | string][] = [
    [1, 'DEBUG', 'debug', new RegExp(`^DEBUG pubhandler_emit\\.py:\\d+ - debug message äöü ${esc}#1$`)],
    [2, 'INFO', 'info', `info message with UTF-8 äöü and "quotes" ${run}#2`],
    [3, 'WARNING', 'warning', new RegExp(`^WARNING pubhandler_emit\\.py:\\d+ - warning message ${esc}#3$`)],
    [4, 'ERROR', 'err', new RegExp(`^ERROR pubhandler_emit\\.py:\\d+ - error message ${esc}#4 - None$`)],
    [5, 'ERROR', 'err', new RegExp(`^ERROR pubhandler_emit\\.py:\\d+ - exception message ${esc}#5 - \\(<class 'ZeroDivisionError'>[^\\n]*\\)\\nTraceback \\(most recent call last\\):\\n[\\s\\S]*\\nZeroDivisionError: division by zero$`)],
    [6, 'CRITICAL', 'crit', new RegExp(`^CRITICAL pubhandler_emit\\.py:\\d+ - critical message ${esc}#6$`)],
    [7, 'INFO.db.query', 'info', `info message with a subtopic ${run}#7`],
    [8, 'INFO', 'info', `multi\nline message ${run}#8`],
    [9, 'myapp.WARNING', 'warning', new RegExp(`^WARNING pubhandler_emit\\.py:\\d+ - from a root topic ${esc}#9$`)],
    [10, 'INFO', 'info', `nul\u0000byte ${run}#10`],
  ];
  for (const [k, topic, severity, message] of want) {
    const r = recordWith(records, run, k);
    assert.equal(r.topic, topic, `#${k} topic`);
    assert.equal(r.severity, severity, `#${k} severity`);
    if (typeof message === 'string') assert.equal(r.message, message, `#${k} message`);
    else assert.match(r.message, message, `#${k} message`);
    assert.equal(r.host, host, `#${k} host`);
    assert.equal(r.flags, undefined, `#${k} flags`);
    assert.equal(r.facility, undefined, `#${k} facility`);
  }
  return want.length;
}

export const PUSH_JSON_RECORDS = 13;

/** Asserts the 13 JSON records of push_json.py (pid: the script's); returns how many were checked. */
export function assertPushJsonRecords(records: readonly LogRecord[], run: string, pid: number, sentFrom: number, sentTo: number): number {
  const severities = ['debug', 'info', 'warning', 'err', 'crit', 'warning'];
  const shapes = ['single', 'single', 'single', 'single', 'single', 'multiframe', 'multiframe', 'multiframe', 'twoframe', 'twoframe', 'joined', 'joined', 'joined'];
  for (let seq = 0; seq < PUSH_JSON_RECORDS; seq++) {
    const r = recordWith(records, run, seq);
    assert.equal(r.message, `json line ${seq} äöü ${run}#${seq}`);
    assert.equal(r.severity, severities[seq % severities.length], `seq ${seq} severity`);
    assert.equal(r.host, hostname(), `seq ${seq} host`);
    assert.equal(r.pid, String(pid), `seq ${seq} pid`);
    assert.deepEqual(r.fields, { seq, shape: shapes[seq] }, `seq ${seq} fields`);
    assert.equal(r.topic, undefined, `seq ${seq} topic`);
    const ts = Date.parse(r.ts);
    assert.ok(ts >= sentFrom - 1000 && ts <= sentTo + 1000, `seq ${seq} ts ${r.ts} within the run`);
    assert.match(r.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,6}Z$/);
  }
  assert.equal(records.length, PUSH_JSON_RECORDS);
  return PUSH_JSON_RECORDS;
}

export const PUSH_TEXT_RECORDS = 9;
/** Messages push_text.py sends, and the empty frames among them. */
export const PUSH_TEXT_MESSAGES = 10;
export const PUSH_TEXT_EMPTY_FRAMES = 2;

/** Asserts the 9 plain text records of push_text.py: text kept exactly (one line end cut), host filled in,
 * invalid UTF-8 replaced and flagged. */
export function assertPushTextRecords(records: readonly LogRecord[], run: string, host: string, sentFrom: number, sentTo: number): number {
  const want = [
    `plain ascii line ${run}#0`, `UTF-8 äöü ✓ line ${run}#1`, `quotes " and \\ backslash ${run}#2`, `tab\there ${run}#3`,
    `nul\u0000byte ${run}#4`, `crlf terminated ${run}#5`, `newline terminated ${run}#6`,
    `after an empty frame ${run}#7`, `bad \uFFFD\uFFFD utf-8 ${run}#8`,
  ];
  for (const [k, message] of want.entries()) {
    const r = recordWith(records, run, k);
    assert.equal(r.message, message, `text #${k} message`);
    assert.equal(r.host, host, `text #${k} host (records that name none get the collector's hostname)`);
    assert.equal(r.severity, undefined, `text #${k} severity`);
    assert.equal(r.topic, undefined, `text #${k} topic`);
    assert.deepEqual(r.flags, k === 8 ? ['invalid_utf8'] : undefined, `text #${k} flags`);
    const ts = Date.parse(r.ts);
    assert.ok(ts >= sentFrom - 1000 && ts <= sentTo + 1000, `text #${k} ts ${r.ts} is the receive time`);
  }
  assert.equal(records.length, want.length);
  return want.length;
}
