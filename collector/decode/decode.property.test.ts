// Property tests: the decoders never throw, never lose text, and read back what a well-formed sender wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FACILITIES, SEVERITIES } from '../record.js';
import { decodeRecord } from './record.js';

const recv = '2026-11-27T01:50:00.000Z';
const formats = ['auto', 'syslog', 'json', 'text'] as const;
// '-' alone is RFC 5424's nil value, not a name.
const token = fc.stringMatching(/^[A-Za-z0-9._-]{1,24}$/).filter((s) => s !== '-');
// The message part of a syslog line: any text that does not start with the separator space or a BOM.
const msgText = fc.string({ unit: 'grapheme', maxLength: 80 }).filter((s) => !s.startsWith(' ') && !s.startsWith('\uFEFF') && !s.endsWith('\n'));
const isoTime = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());

test('decodeRecord never throws and always yields ts, input and a message', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 120 }), fc.constantFrom(...formats), fc.option(token, { nil: undefined }), (text, format, topic) => {
      const r = decodeRecord(text, { input: 'i', format, topic, receivedAt: recv, topics: ['', 'lo'] });
      assert.equal(typeof r.ts, 'string');
      assert.ok(r.ts.endsWith('Z'), r.ts);
      assert.equal(r.input, 'i');
      assert.equal(typeof r.message, 'string');
    }),
    { numRuns: 2000 },
  );
});

test('text that is neither JSON nor syslog comes back whole, less one line end', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }).filter((s) => s[0] !== '{' && s[0] !== '<'), (text) => {
      const r = decodeRecord(text, { input: 'i', format: 'auto', receivedAt: recv });
      assert.equal(r.message, text.replace(/\r?\n$/, ''));
      assert.equal(r.ts, recv);
    }),
    { numRuns: 1000 },
  );
});

test('RFC 5424 and rsyslog ForwardFormat lines read back what was written', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 191 }), isoTime, token, token, fc.option(fc.integer({ min: 1, max: 4194304 }), { nil: undefined }), msgText,
      (pri, ts, host, app, pid, msg) => {
        const want = { severity: SEVERITIES[pri & 7], facility: FACILITIES[pri >> 3], host, app, pid: pid === undefined ? undefined : String(pid), message: msg, ts };
        const r5424 = decodeRecord(`<${pri}>1 ${ts} ${host} ${app} ${pid ?? '-'} - - ${msg}`, { input: 'i', format: 'syslog', receivedAt: recv });
        const tag = pid === undefined ? `${app}:` : `${app}[${pid}]:`;
        const fwd = decodeRecord(`<${pri}>${ts.replace('Z', '+00:00')} ${host} ${tag} ${msg}`, { input: 'i', format: 'auto', receivedAt: recv });
        for (const r of [r5424, fwd]) {
          assert.deepEqual({ severity: r.severity, facility: r.facility, host: r.host, app: r.app, pid: r.pid, message: r.message, ts: r.ts }, want);
          assert.equal(r.flags, undefined);
        }
      }),
    { numRuns: 1000 },
  );
});

test('JSON: mapped keys leave fields, every other key stays', () => {
  const extraKey = fc.stringMatching(/^[a-z]{1,10}$/).filter((k) => !['ts', 'time', 'timestamp', 'level', 'severity', 'lvl', 'levelname', 'loglevel', 'facility', 'msg', 'message', 'host', 'hostname', 'tag', 'app', 'logger', 'name', 'pid', 'msgid'].includes(k));
  fc.assert(
    fc.property(fc.dictionary(extraKey, fc.jsonValue(), { maxKeys: 5 }), fc.string({ maxLength: 40 }), fc.constantFrom(...SEVERITIES), (extra, msg, sev) => {
      const r = decodeRecord(JSON.stringify({ ...extra, msg, level: sev }), { input: 'i', format: 'auto', receivedAt: recv });
      assert.equal(r.message, msg);
      assert.equal(r.severity, sev);
      assert.deepEqual(r.fields ?? {}, JSON.parse(JSON.stringify(extra)));
    }),
    { numRuns: 1000 },
  );
});
