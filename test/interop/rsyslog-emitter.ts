// The rsyslog side of the interop tests, shared by Phase A (decoders in the test process) and Phase B (the real
// collector): an rsyslogd config with one omczmq action per wire variant users configure, the records fed in over
// imtcp, and what each variant must decode to.

import assert from 'node:assert/strict';
import type { Socket as NetSocket } from 'node:net';
import type { Facility, LogRecord, Severity } from '../../collector/record.js';
import { sleep, testTime, writeLines } from './harness.js';

/** One omczmq action: how users configure it and how the receiving side must be set up. */
export interface Variant {
  id: string;
  /** PUSH actions connect to a PULL we bind; PUB actions bind a port we connect a SUB to. */
  socktype: 'PUSH' | 'PUB';
  /** omczmq parameters after endpoints/socktype. */
  params: string;
  /** Messages per record (a PUB with N topics + topicframe sends N). */
  perRecord: number;
  /** SUB subscriptions on the receiving side. */
  subscribe?: string[];
  /** The template loses sub-second precision (RFC 3164 timestamps). */
  secondsOnly?: boolean;
  /** The template carries MSGID and structured data (RFC 5424). */
  full5424?: boolean;
  /** Topic(s) expected on the records made from input record r, in send order (dynatopic: rsyslog's
   * severity names are the ones LogRecord uses). */
  topics?: (r: Expected) => string[];
}

export const VARIANTS: Variant[] = [
  { id: 'push_default', socktype: 'PUSH', params: '', perRecord: 1 },
  { id: 'push_json', socktype: 'PUSH', params: 'template="zlog_json"', perRecord: 1 },
  { id: 'push_5424', socktype: 'PUSH', params: 'template="RSYSLOG_SyslogProtocol23Format"', perRecord: 1, full5424: true },
  { id: 'push_3164', socktype: 'PUSH', params: 'template="RSYSLOG_TraditionalForwardFormat"', perRecord: 1, secondsOnly: true },
  { id: 'pub_topicframe', socktype: 'PUB', params: 'topics="syslog,audit" topicframe="on"', perRecord: 2, subscribe: [''], topics: () => ['syslog', 'audit'] },
  { id: 'pub_glued', socktype: 'PUB', params: 'topics="logs."', perRecord: 1, subscribe: ['logs.'], topics: () => ['logs.'] },
  { id: 'pub_dynatopic', socktype: 'PUB', params: 'topics="zlog_topic" dynatopic="on" topicframe="on"', perRecord: 1, subscribe: [''], topics: (r) => [`${r.app}.${r.severity}`] },
];

export interface Expected {
  line: string;
  marker: string;
  severity: Severity;
  facility: Facility;
  host: string;
  app: string;
  pid?: string;
  msgid?: string;
  fields?: Record<string, unknown>;
  message: string;
  /** ts when the template keeps sub-seconds, and when it does not. */
  iso: string;
  isoSeconds: string;
}

/** The records fed to imtcp (LF framing): RFC 5424 and RFC 3164, every facility/severity corner, UTF-8. */
export function expectedRecords(run: string): Expected[] {
  const t = [0, 1, 2, 3, 4, 5].map((i) => testTime(100 * i + 100, 7 * i + 1));
  const m = (k: number, text: string): string => `${text} ${run}#${k}`;
  const recs: Omit<Expected, 'marker'>[] = [
    { line: `<14>1 ${t[0].rfc3339} vm kit-tcp 4242 - - ${m(1, 'hello via imtcp')}`, severity: 'info', facility: 'user', host: 'vm',
      app: 'kit-tcp', pid: '4242', message: m(1, 'hello via imtcp'), iso: t[0].iso, isoSeconds: t[0].iso3164 },
    { line: `<131>1 ${t[1].rfc3339} vm kit-tcp - - - ${m(2, 'error line with UTF-8 äöü and "quotes"')}`, severity: 'err', facility: 'local0',
      host: 'vm', app: 'kit-tcp', message: m(2, 'error line with UTF-8 äöü and "quotes"'), iso: t[1].iso, isoSeconds: t[1].iso3164 },
    { line: `<12>${t[2].rfc3164} vm kit-bsd[777]: ${m(3, 'a 3164 record with pid')}`, severity: 'warning', facility: 'user', host: 'vm',
      app: 'kit-bsd', pid: '777', message: m(3, 'a 3164 record with pid'), iso: t[2].iso3164, isoSeconds: t[2].iso3164 },
    { line: `<165>1 ${t[3].rfc3339} web-1 app - ID47 [ex@32473 iut="3" src="a\\"b"] ${m(4, 'with structured data')}`, severity: 'notice',
      facility: 'local4', host: 'web-1', app: 'app', msgid: 'ID47', fields: { 'ex@32473': { iut: '3', src: 'a"b' } },
      message: m(4, 'with structured data'), iso: t[3].iso, isoSeconds: t[3].iso3164 },
    { line: `<0>1 ${t[4].rfc3339} vm kern-app - - - ${m(5, 'emergency at facility kern')}`, severity: 'emerg', facility: 'kern', host: 'vm',
      app: 'kern-app', message: m(5, 'emergency at facility kern'), iso: t[4].iso, isoSeconds: t[4].iso3164 },
    { line: `<191>1 ${t[5].rfc3339} vm dbg-app 1 - - ${m(6, 'debug at local7')}`, severity: 'debug',
      facility: 'local7', host: 'vm', app: 'dbg-app', pid: '1', message: m(6, 'debug at local7'),
      iso: t[5].iso, isoSeconds: t[5].iso3164 },
  ];
  return recs.map((r, i) => ({ ...r, marker: `${run}#${i + 1}` }));
}

/** A warm-up line: PUB actions create their socket on the first record and drop records until a SUB joins. */
export function warmupLine(run: string, n: number): string {
  return `<13>1 ${new Date().toISOString()} vm kit-warmup - - - warm-up ${run}-w${n}`;
}

/** rsyslogd config: imtcp on tcpPort into a ruleset with one omczmq action per variant (endpoint by id). */
export function rsyslogConfig(dir: string, tcpPort: number, endpoints: Record<string, string>): string {
  const actions = VARIANTS.map((v) => `  action(type="omczmq" name="${v.id}" socktype="${v.socktype}" endpoints="${endpoints[v.id]}" ${v.params})`);
  return `# generated by test/interop: one omczmq action per wire variant
global(workDirectory="${dir}")
module(load="imtcp")
module(load="omczmq")
template(name="zlog_json" type="list" option.jsonf="on") {
  property(outname="ts" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="host" name="hostname" format="jsonf")
  property(outname="severity" name="syslogseverity-text" format="jsonf")
  property(outname="facility" name="syslogfacility-text" format="jsonf")
  property(outname="tag" name="syslogtag" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
template(name="zlog_topic" type="string" string="%programname%.%syslogseverity-text%")
# Only what arrives on imtcp goes to ZeroMQ: rsyslogd's own start/stop messages stay in the default ruleset.
ruleset(name="to_zmq") {
${actions.join('\n')}
}
input(type="imtcp" address="127.0.0.1" port="${tcpPort}" ruleset="to_zmq")
`;
}

/** Checks one decoded record against what rsyslog was fed, for the variant's template. */
export function assertRsyslogRecord(v: Variant, r: LogRecord, e: Expected, topic: string | undefined): void {
  const where = `${v.id} ${e.marker}`;
  assert.equal(r.message, e.message, where);
  assert.equal(r.severity, e.severity, where);
  assert.equal(r.facility, e.facility, where);
  assert.equal(r.host, e.host, where);
  assert.equal(r.app, e.app, where);
  assert.equal(r.pid, e.pid, where);
  assert.equal(r.ts, v.secondsOnly === true ? e.isoSeconds : e.iso, where);
  assert.equal(r.topic, topic, where);
  assert.equal(r.msgid, v.full5424 === true ? e.msgid : undefined, where);
  assert.deepEqual(r.fields, v.full5424 === true ? e.fields : undefined, where);
  assert.equal(r.flags, undefined, where);
}

/**
 * PUB actions create their socket on the first record and drop records until a SUB has joined: send warm-up
 * records every 100 ms until waiting() (the receivers that have seen none) is empty.
 */
export async function warmUp(tcp: NetSocket, run: string, waiting: () => string[], logs: () => string): Promise<void> {
  for (let n = 0; waiting().length > 0; n++) {
    if (n > 150) assert.fail(`no warm-up record arrived on ${waiting().join(', ')}; rsyslog: ${logs()}`);
    await writeLines(tcp, [warmupLine(run, n)]);
    await sleep(100);
  }
}
