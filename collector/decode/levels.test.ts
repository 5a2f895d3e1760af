import { test } from 'node:test';
import assert from 'node:assert/strict';
import { facilityFromValue, severityFromName, severityFromNumber, severityFromValue } from './levels.js';

test('level names in the spellings pino, Python, rsyslog and others use', () => {
  const cases: [string, string][] = [
    ['DEBUG', 'debug'], ['INFO', 'info'], ['WARNING', 'warning'], ['ERROR', 'err'], ['CRITICAL', 'crit'],
    ['trace', 'debug'], ['warn', 'warning'], ['Warn', 'warning'], ['fatal', 'crit'], ['notice', 'notice'],
    ['emerg', 'emerg'], ['alert', 'alert'], ['err', 'err'], ['informational', 'info'],
  ];
  for (const [name, want] of cases) assert.equal(severityFromName(name), want, name);
  assert.equal(severityFromName('loud'), undefined);
});

test('numbers: 0..7 are syslog codes, 10..60 are pino levels', () => {
  assert.equal(severityFromNumber(0), 'emerg');
  assert.equal(severityFromNumber(3), 'err');
  assert.equal(severityFromNumber(7), 'debug');
  assert.equal(severityFromNumber(8), undefined);
  assert.deepEqual([10, 20, 30, 40, 50, 60, 35, 70].map(severityFromNumber), ['debug', 'debug', 'info', 'warning', 'err', 'crit', 'info', 'crit']);
  assert.equal(severityFromNumber(-1), undefined);
  assert.equal(severityFromNumber(2.5), undefined);
  assert.equal(severityFromValue('30'), 'info');
  assert.equal(severityFromValue(true), undefined);
});

test('facilities by name, rsyslog alias and code', () => {
  assert.equal(facilityFromValue('user'), 'user');
  assert.equal(facilityFromValue('LOCAL0'), 'local0');
  assert.equal(facilityFromValue('audit'), 'security');
  assert.equal(facilityFromValue(16), 'local0');
  assert.equal(facilityFromValue('3'), 'daemon');
  assert.equal(facilityFromValue(24), undefined);
  assert.equal(facilityFromValue('nope'), undefined);
});
