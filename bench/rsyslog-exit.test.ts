import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rsyslogStop } from './rsyslog-exit.js';

test('rsyslogd after SIGTERM: the known imczmq shutdown crash (SIGABRT in free(), or SIGSEGV) is a note, anything else a problem', () => {
  assert.deepEqual(rsyslogStop(0, null, ''), {});
  assert.match(rsyslogStop(null, 'SIGABRT', 'free(): invalid pointer\n').note ?? '', /known imczmq shutdown crash, signal SIGABRT/);
  // Seen on this machine: the same crash as a segfault, with nothing on stderr. The bench failed the run for it.
  assert.match(rsyslogStop(null, 'SIGSEGV', '').note ?? '', /known imczmq shutdown crash, signal SIGSEGV/);
  assert.equal(rsyslogStop(null, 'SIGSEGV', '').problem, undefined);
  assert.match(rsyslogStop(null, 'SIGABRT', 'something else\n').problem ?? '', /rsyslogd ended with signal SIGABRT: something else/);
  assert.match(rsyslogStop(1, null, 'error during config processing').problem ?? '', /ended with exit 1: error during config/);
  assert.match(rsyslogStop(null, null, '').problem ?? '', /ended with no exit/);
});
