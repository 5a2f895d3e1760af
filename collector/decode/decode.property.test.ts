// Property tests: the decoders never throw, never lose text, and read back what a well-formed sender wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FACILITIES, SEVERITIES } from '../record.js';
import { decodeRecord } from './record.js';
import { processMessages } from '../pipeline/process-messages.js';

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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const realDays = (y: number, m: number): number => new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
/** ts is an ISO time naming a day that exists (Date would roll Feb 30 into March; this catches it). */
function assertRealTs(ts: string): void {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/.exec(ts);
  assert.ok(m, ts);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  assert.ok(mo >= 1 && mo <= 12 && d >= 1 && d <= realDays(y, mo - 1), ts);
}
const pad2 = (n: number): string => String(n).padStart(2, '0');
const hms = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 })).map(([h, m, s]) => `${pad2(h)}:${pad2(m)}:${pad2(s)}`);

test('ts is never an impossible date, whatever day the sender wrote (RFC 3164, RFC 5424, JSON)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 1999, max: 2101 }), hms, fc.constantFrom('space', 'zero', 'none'),
      (mo, d, y, time, padding) => {
        const day = padding === 'zero' ? pad2(d) : padding === 'space' && d < 10 ? ` ${d}` : String(d);
        const exists = d <= realDays(y, mo);
        const iso = `${y}-${pad2(mo + 1)}-${pad2(d)}T${time}`;
        const texts = [`<13>${MONTHS[mo]} ${day} ${time} h a: m`, `<13>1 ${iso}Z h a - - - m`, `<13>${iso}+00:00 h a: m`, `{"time":"${iso}Z","msg":"m"}`];
        texts.forEach((text, k) => {
          const r = decodeRecord(text, { input: 'i', format: 'auto', receivedAt: recv });
          assertRealTs(r.ts);
          if (k > 0) {
            // Dated formats: the sender's time when it exists, else the receive time and a flag.
            assert.equal(r.ts, exists ? `${iso}Z` : recv, text);
            assert.deepEqual(r.flags, exists ? undefined : ['invalid_timestamp'], text);
          } else {
            // RFC 3164 names no year: the day exists in some year unless it is Feb 30/31, Apr 31, ...
            const somewhere = d <= realDays(2000, mo);
            assert.deepEqual(r.flags, somewhere ? undefined : ['invalid_timestamp'], text);
            if (somewhere) assert.equal(r.ts.slice(5, 19), `${pad2(mo + 1)}-${pad2(d)}T${time}`, text);
            assert.deepEqual([r.host, r.app, r.message], ['h', 'a', 'm'], text);
          }
        });
      }),
    { numRuns: 1500 },
  );
});

test('RFC 3164 headers read back with any day padding and an optional space after the PRI', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 191 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 28 }), hms, fc.boolean(), fc.boolean(), token, token, msgText,
      (pri, mo, d, time, zero, space, host, app, msg) => {
        const day = zero ? pad2(d) : String(d);
        const r = decodeRecord(`<${pri}>${space ? ' ' : ''}${MONTHS[mo]} ${day} ${time} ${host} ${app}: ${msg}`, { input: 'i', format: 'auto', receivedAt: recv });
        assert.deepEqual([r.severity, r.facility, r.host, r.app, r.message, r.flags], [SEVERITIES[pri & 7], FACILITIES[pri >> 3], host, app, msg, undefined]);
        assert.equal(r.ts.slice(5, 19), `${pad2(mo + 1)}-${pad2(d)}T${time}`);
      }),
    { numRuns: 1000 },
  );
});

test('a PRI without a header keeps the whole text as message; key=value words are never host or tag', () => {
  const word = fc.stringMatching(/^[A-Za-z0-9._=-]{1,12}$/);
  const kv = fc.tuple(token, token).map(([k, v]) => `${k}=${v}`);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 191 }), fc.array(word, { minLength: 1, maxLength: 6 }), fc.array(kv, { minLength: 1, maxLength: 4 }), isoTime,
      (pri, words, pairs, ts) => {
        // Free text (its first word is no timestamp and no `tag:`) after a PRI: nothing moves out of it.
        const text = words.join(' ');
        if (/^[0-9]/.test(text) || /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) /.test(text)) return;
        const r = decodeRecord(`<${pri}>${text}`, { input: 'i', format: 'auto', receivedAt: recv });
        assert.deepEqual([r.message, r.host, r.app, r.ts, r.flags], [text, undefined, undefined, recv, ['invalid_syslog_header']]);
        // key=value words after a valid timestamp: still message, never host or app.
        const kvText = pairs.join(' ');
        const d = decodeRecord(`<${pri}>${ts} ${kvText}`, { input: 'i', format: 'auto', receivedAt: recv });
        assert.deepEqual([d.message, d.host, d.app, d.ts, d.flags], [kvText, undefined, undefined, ts, undefined]);
      }),
    { numRuns: 1000 },
  );
});

test('SUB input: any topic frame, with or without the empty envelope frame, makes one record per body', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== '' && !s.endsWith('\n')),
      (topic, envelope, body) => {
        const frames = envelope ? [topic, new Uint8Array(0), Buffer.from(body)] : [topic, Buffer.from(body)];
        const { records, discards } = processMessages([frames], { id: 's', type: 'zmq-sub', topicFrame: true, format: 'text' });
        assert.equal(records.length, 1);
        assert.equal(records[0].topic, new TextDecoder().decode(topic));
        assert.equal(records[0].message, body);
        assert.deepEqual(discards, {});
      }),
    { numRuns: 500 },
  );
});

test('a topic glued to a syslog header is split on a SUB input subscribed to everything', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9._:\/-]{1,40}$/), fc.integer({ min: 0, max: 191 }), isoTime, token, token, msgText, (topic, pri, ts, host, app, msg) => {
      const line = `${topic}<${pri}>1 ${ts} ${host} ${app} - - - ${msg}`;
      const { records } = processMessages([[Buffer.from(line)]], { id: 's', type: 'zmq-sub', topicFrame: true });
      assert.deepEqual([records[0].topic, records[0].host, records[0].app, records[0].message, records[0].ts], [topic, host, app, msg, ts]);
      // The same bytes on a PULL input stay one text record.
      assert.equal(processMessages([[Buffer.from(line)]], { id: 'p' }).records[0].message, line);
    }),
    { numRuns: 500 },
  );
});

test('JSON integers of any size are written digit for digit', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }), fc.string({ maxLength: 20 }), (n, msg) => {
      const { lines } = processMessages([[Buffer.from(`{"id":${n},"msg":${JSON.stringify(msg)},"k":[${n}]}`)]], { id: 'p' });
      assert.ok(lines[0].includes(`"fields":{"id":${n},"k":[${n}]}`), lines[0]);
      assert.equal((JSON.parse(lines[0]) as { message: string }).message, msg);
    }),
    { numRuns: 1000 },
  );
});
