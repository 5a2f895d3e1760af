import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSamples } from '../../test/interop/samples.js';
import { decodeSyslog, parsePri } from './syslog.js';

const recv = '2026-11-27T01:45:40.000Z';
const ctx = { input: 'in', receivedAt: recv };

test('PRI to facility and severity', () => {
  assert.deepEqual(parsePri('<14>x'), { facility: 'user', severity: 'info', end: 4 });
  assert.deepEqual(parsePri('<131>x'), { facility: 'local0', severity: 'err', end: 5 });
  assert.deepEqual(parsePri('<0>'), { facility: 'kern', severity: 'emerg', end: 3 });
  assert.deepEqual(parsePri('<191>'), { facility: 'local7', severity: 'debug', end: 5 });
  for (const bad of ['<192>', '<>', '<1234>', '14>', '<14', '', '<1a>']) assert.equal(parsePri(bad), undefined, bad);
});

test('omczmq PUSH default format (RSYSLOG_ForwardFormat), captured', () => {
  const texts = loadSamples('rsyslog-omczmq-push-default').map((m) => m.frames[0].toString());
  const got = texts.map((t) => decodeSyslog(t, ctx));
  assert.deepEqual(got[1], {
    ts: '2026-11-27T01:45:07.689850Z', input: 'in', message: 'hello from logger via imuxsock',
    severity: 'info', facility: 'user', host: 'vm', app: 'kit-uxsock',
  });
  assert.equal(got[0]?.severity, 'notice');
  assert.equal(got[2]?.severity, 'err');
  assert.equal(got[2]?.facility, 'local0');
  assert.equal(got[2]?.message, 'error line with UTF-8 äöü and "quotes"');
  // came in as RFC 5424: tag without colon
  assert.equal(got[3]?.app, 'kit-tcp');
  assert.equal(got[3]?.severity, 'warning');
  assert.equal(got[3]?.message, 'hello via imtcp (RFC5424 from logger)');
});

test('ForwardFormat of a record that came in as RFC 5424 with a PROCID (observed): tag[pid] without colon', () => {
  const r = decodeSyslog('<14>2026-11-27T01:45:07.100000+00:00 vm kit-tcp[4242] hello 5424 one', ctx);
  assert.equal(r?.app, 'kit-tcp');
  assert.equal(r?.pid, '4242');
  assert.equal(r?.message, 'hello 5424 one');
  const trad = decodeSyslog('<165>Nov 27 01:45:07 web-1 app with structured data', ctx);
  assert.equal(trad?.host, 'web-1');
  assert.equal(trad?.app, 'app');
  assert.equal(trad?.message, 'with structured data');
});

test('RFC 3164 (RSYSLOG_TraditionalForwardFormat), captured with topic frames', () => {
  const msgs = loadSamples('rsyslog-omczmq-pub-topicframe');
  const r = decodeSyslog(msgs[2].frames[1].toString(), { ...ctx, topic: 'syslog', hostname: 'pod-1' });
  assert.deepEqual(r, {
    ts: '2026-11-27T01:45:32Z', input: 'in', message: 'error line with UTF-8 äöü and "quotes"', topic: 'syslog',
    severity: 'err', facility: 'local0', host: 'vm', app: 'kit-uxsock',
  });
  const tcp = decodeSyslog(msgs[4].frames[1].toString(), ctx);
  assert.equal(tcp?.app, 'kit-tcp');
  assert.equal(tcp?.message, 'hello via imtcp (RFC5424 from logger)');
});

test('tag[pid]: and host-less local records', () => {
  const r = decodeSyslog('<38>Nov  3 04:05:06 web-1 sshd[1234]: Accepted key', ctx);
  assert.equal(r?.ts, '2026-11-03T04:05:06Z');
  assert.equal(r?.facility, 'auth');
  assert.equal(r?.host, 'web-1');
  assert.equal(r?.app, 'sshd');
  assert.equal(r?.pid, '1234');
  assert.equal(r?.message, 'Accepted key');
  const local = decodeSyslog('<14>Nov 27 01:33:49 cron[7]: ran', { ...ctx, hostname: 'pod-1' });
  assert.equal(local?.host, 'pod-1');
  assert.equal(local?.app, 'cron');
  assert.equal(local?.pid, '7');
  const bare = decodeSyslog('<14>kit: no timestamp at all', ctx);
  assert.equal(bare?.ts, recv);
  assert.equal(bare?.app, 'kit');
  assert.equal(bare?.message, 'no timestamp at all');
  const spaced = decodeSyslog('<14>Nov 27 01:33:49 vm tag:   indented', ctx);
  assert.equal(spaced?.message, '  indented');
  const empty = decodeSyslog('<14>Nov 27 01:33:49 vm tag:', ctx);
  assert.equal(empty?.message, '');
});

test('RFC 5424 (RSYSLOG_SyslogProtocol23Format) with structured data', () => {
  const r = decodeSyslog(
    '<165>1 2026-11-27T01:33:33.573547+00:00 vm app 4242 ID47 [exampleSDID@32473 iut="3" eventSource="Appl\\"ic\\]ation\\x"][origin ip="10.0.0.1" ip="10.0.0.2"] \uFEFFAn application event',
    ctx,
  );
  assert.deepEqual(r, {
    ts: '2026-11-27T01:33:33.573547Z', input: 'in', message: 'An application event', severity: 'notice',
    facility: 'local4', host: 'vm', app: 'app', pid: '4242', msgid: 'ID47',
    fields: { 'exampleSDID@32473': { iut: '3', eventSource: 'Appl"ic]ation\\x' }, origin: { ip: ['10.0.0.1', '10.0.0.2'] } },
  });
  const nil = decodeSyslog('<14>1 2026-11-27T01:33:33+00:00 vm kit - - - hello 5424', ctx);
  assert.deepEqual(nil, { ts: '2026-11-27T01:33:33Z', input: 'in', message: 'hello 5424', severity: 'info', facility: 'user', host: 'vm', app: 'kit' });
  // rsyslog's RSYSLOG_SyslogProtocol23Format for a record it received as RFC 3164 (observed): double space
  const fromBsd = decodeSyslog('<12>1 2026-11-27T01:45:07+00:00 vm kit-bsd 777 - -  a 3164 record with pid', ctx);
  assert.equal(fromBsd?.message, 'a 3164 record with pid');
  assert.equal(fromBsd?.pid, '777');
  const allNil = decodeSyslog('<14>1 - - - - - -', { ...ctx, hostname: 'pod' });
  assert.deepEqual(allNil, { ts: recv, input: 'in', message: '', severity: 'info', facility: 'user', host: 'pod' });
  const badTs = decodeSyslog('<14>1 someday vm kit - - - x', ctx);
  assert.equal(badTs?.ts, recv);
  assert.deepEqual(badTs?.fields, { timestamp: 'someday' });
});

test('a broken header after a valid PRI keeps the text and says so', () => {
  const r = decodeSyslog('<14>1 2026-11-27T01:33:33Z vm kit - - [unterminated x="y', ctx);
  assert.equal(r?.severity, 'info');
  assert.deepEqual(r?.flags, ['invalid_syslog_header']);
  assert.equal(r?.message, '1 2026-11-27T01:33:33Z vm kit - - [unterminated x="y');
  const badTs = decodeSyslog('<14>2026-99-27T01:33:33Z vm kit: x', ctx);
  assert.deepEqual(badTs?.flags, ['invalid_syslog_header']);
  assert.equal(badTs?.message, '2026-99-27T01:33:33Z vm kit: x');
  assert.equal(decodeSyslog('plain text', ctx), undefined);
});

test('SD names cannot reach the prototype', () => {
  const r = decodeSyslog('<14>1 - vm kit - - [__proto__ __proto__="x"] m', ctx);
  const sd = r?.fields?.['__proto__'] as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(r?.fields), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(sd, '__proto__')?.value, 'x');
});
