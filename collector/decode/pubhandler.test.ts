import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSamples } from '../../test/interop/samples.js';
import { decodePubHandler, pubHandlerSeverity } from './pubhandler.js';

test('topics of the captured PUBHandler messages', () => {
  const topics = loadSamples('python-pubhandler-and-push_json').filter((m) => m.sock === 'sub').map((m) => m.frames[0].toString());
  assert.deepEqual(topics, ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'ERROR', 'CRITICAL', 'INFO.db.query', 'INFO']);
  assert.deepEqual(topics.map(pubHandlerSeverity), ['debug', 'info', 'warning', 'err', 'err', 'crit', 'info', 'info']);
});

test('root topics (with dots) and subtopics', () => {
  assert.equal(pubHandlerSeverity('myapp.WARNING'), 'warning');
  assert.equal(pubHandlerSeverity('my.app.ERROR.db.query'), 'err');
  assert.equal(pubHandlerSeverity('svc.CRITICAL'), 'crit');
  assert.equal(pubHandlerSeverity('syslog'), undefined);
  assert.equal(pubHandlerSeverity('info'), undefined); // logging writes level names in upper case
  assert.equal(pubHandlerSeverity(''), undefined);
  assert.equal(pubHandlerSeverity('..'), undefined);
});

test('the message text is kept whole, traceback included', () => {
  const exc = loadSamples('python-pubhandler-and-push_json')[4];
  const text = exc.frames[1].toString();
  const r = decodePubHandler(text, { input: 'py', receivedAt: exc.t, topic: 'ERROR' });
  assert.equal(r?.severity, 'err');
  assert.equal(r?.topic, 'ERROR');
  assert.equal(r?.message, text);
  assert.match(r?.message ?? '', /\nTraceback \(most recent call last\):\n/);
  assert.equal(decodePubHandler('x', { input: 'py', receivedAt: exc.t, topic: 'logs' }), undefined);
  assert.equal(decodePubHandler('x', { input: 'py', receivedAt: exc.t }), undefined);
});
