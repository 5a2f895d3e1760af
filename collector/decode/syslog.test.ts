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
  const cut = decodeSyslog('<14>1 2026-11-27T01:33:33Z vm kit', ctx);
  assert.deepEqual(cut, { ts: recv, input: 'in', message: '1 2026-11-27T01:33:33Z vm kit', severity: 'info', facility: 'user', flags: ['invalid_syslog_header'] });
  // Malformed structured data is not structured data: the text from '[' on is the message.
  const sd = decodeSyslog('<14>1 2026-11-27T01:33:33Z vm kit - - [unterminated x="y', ctx);
  assert.deepEqual([sd?.host, sd?.app, sd?.message, sd?.flags, sd?.fields], ['vm', 'kit', '[unterminated x="y', undefined, undefined]);
  // A timestamp of the right shape that names no time: the header is read, ts is the receive time, flagged.
  const badTs = decodeSyslog('<14>2026-99-27T01:33:33Z vm kit: x', ctx);
  assert.deepEqual(badTs, { ts: recv, input: 'in', message: 'x', severity: 'info', facility: 'user', host: 'vm', app: 'kit', fields: { timestamp: '2026-99-27T01:33:33Z' }, flags: ['invalid_timestamp'] });
  assert.equal(decodeSyslog('plain text', ctx), undefined);
});

test('a PRI with no header: the whole text is the message (RFC 3164 section 4.3.2)', () => {
  const plain = decodeSyslog('<13>this is a plain message', ctx);
  assert.deepEqual(plain, { ts: recv, input: 'in', message: 'this is a plain message', severity: 'notice', facility: 'user', flags: ['invalid_syslog_header'] });
  for (const text of ['<13>this', '<13>key=value other=1 text', '<13>a=b: c', '<13>', '<13>x y: z', '<13>2026 was a year', '<13>Janet said hi', '<13>Jan is a month']) {
    const r = decodeSyslog(text, ctx);
    assert.deepEqual([r?.message, r?.host, r?.app, r?.flags], [text.slice(4), undefined, undefined, ['invalid_syslog_header']], text);
  }
  // A tag-shaped first word is the one header field kept; the record is flagged the same way.
  const tagged = decodeSyslog('<13>cron[7]: ran', ctx);
  assert.deepEqual([tagged?.app, tagged?.pid, tagged?.message, tagged?.flags], ['cron', '7', 'ran', ['invalid_syslog_header']]);
  assert.equal(decodeSyslog('<13> spaced', ctx)?.message, 'spaced');
});

test('RFC 3164 day of month padded with a space, a zero or not at all; a space after the PRI', () => {
  const want = { ts: '2026-01-01T12:15:00Z', host: 'nas.example', app: 'cron', message: 'tick', flags: undefined };
  const at = { ...ctx, receivedAt: '2026-01-01T12:15:01Z' };
  for (const text of ['<13>Jan 1 12:15:00 nas.example cron: tick', '<13>Jan  1 12:15:00 nas.example cron: tick', '<13>Jan 01 12:15:00 nas.example cron: tick',
    '<13> Jan 1 12:15:00 nas.example cron: tick', '<13> Jan  1 12:15:00 nas.example cron: tick']) {
    const r = decodeSyslog(text, at);
    assert.deepEqual({ ts: r?.ts, host: r?.host, app: r?.app, message: r?.message, flags: r?.flags }, want, text);
  }
  const r = decodeSyslog('<13>Jan 12 12:15:00 h a: m', at);
  assert.equal(r?.ts, '2026-01-12T12:15:00Z');
  // Not a day: three digits, a space-padded two-digit day, a missing day.
  for (const text of ['<13>Jan 123 12:15:00 h a: m', '<13>Jan  12 12:15:00 h a: m', '<13>Jan 12:15:00 h a: m']) {
    assert.deepEqual(decodeSyslog(text, at)?.flags, ['invalid_syslog_header'], text);
  }
});

test('key=value words are never a host or a tag', () => {
  const r = decodeSyslog('<13>Nov 27 01:33:49 user=alice action=login ok', ctx);
  assert.deepEqual([r?.host, r?.app, r?.message, r?.flags], [undefined, undefined, 'user=alice action=login ok', undefined]);
  const h = decodeSyslog('<13>Nov 27 01:33:49 fw1 src=10.0.0.1 dst=10.0.0.2', ctx);
  assert.deepEqual([h?.host, h?.app, h?.message], ['fw1', undefined, 'src=10.0.0.1 dst=10.0.0.2']);
});

test('impossible dates are never written as ts', () => {
  const feb30 = decodeSyslog('<13>Feb 30 00:09:01 mail-2 cron: x', ctx);
  assert.deepEqual(feb30, { ts: recv, input: 'in', message: 'x', severity: 'notice', facility: 'user', host: 'mail-2', app: 'cron', fields: { timestamp: 'Feb 30 00:09:01' }, flags: ['invalid_timestamp'] });
  assert.deepEqual(decodeSyslog('<13>Apr 31 00:09:01 h a: x', ctx)?.flags, ['invalid_timestamp']);
  // Feb 29 exists in leap years only: the leap year nearest the receive time (2026-11-27 -> 2028 is nearer than 2024).
  assert.equal(decodeSyslog('<13>Feb 29 00:09:01 h a: x', ctx)?.ts, '2028-02-29T00:09:01Z');
  assert.equal(decodeSyslog('<13>Feb 29 00:09:01 h a: x', { ...ctx, receivedAt: '2024-03-01T00:00:00Z' })?.ts, '2024-02-29T00:09:01Z');
  assert.equal(decodeSyslog('<13>Feb 28 00:09:01 h a: x', ctx)?.ts, '2027-02-28T00:09:01Z'); // nearer than 2026-02-28
  for (const text of ['<13>1 2026-02-30T06:45:29Z h a - - - m', '<13>1 2026-02-29T06:45:29+00:00 h a - - - m', '<13>2025-04-31T00:00:00Z h a: m']) {
    const r = decodeSyslog(text, ctx);
    assert.deepEqual([r?.ts, r?.flags, r?.host, r?.message], [recv, ['invalid_timestamp'], 'h', 'm'], text);
  }
  assert.equal(decodeSyslog('<13>1 2024-02-29T06:45:29Z h a - - - m', ctx)?.ts, '2024-02-29T06:45:29Z');
});

test('RFC 5424 without the structured-data "-" (hosted log services) keeps the header out of the message', () => {
  const r = decodeSyslog('<40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from starting to up', ctx);
  assert.deepEqual(r, { ts: '2012-11-30T06:45:29Z', input: 'in', message: 'State changed from starting to up', severity: 'emerg', facility: 'syslog', host: 'host', app: 'app', pid: 'web.3' });
  assert.equal(decodeSyslog('<40>1 2012-11-30T06:45:29+00:00 host app web.3 - -dash first', ctx)?.message, '-dash first');
  assert.equal(decodeSyslog('<40>1 2012-11-30T06:45:29+00:00 host app web.3 - ', ctx)?.message, '');
  assert.equal(decodeSyslog('<40>1 2012-11-30T06:45:29+00:00 host app web.3 - - with sd dash', ctx)?.message, 'with sd dash');
});

test('SD names cannot reach the prototype', () => {
  const r = decodeSyslog('<14>1 - vm kit - - [__proto__ __proto__="x"] m', ctx);
  const sd = r?.fields?.['__proto__'] as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(r?.fields), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(sd, '__proto__')?.value, 'x');
});
