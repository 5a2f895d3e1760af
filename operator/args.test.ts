import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPERATOR_USAGE, parseOperatorArgs } from './args.js';

test('operator flags: defaults, values, LOG_LEVEL', () => {
  const r = parseOperatorArgs(['--namespace', 'logs', '--no-leader-elect'], { LOG_LEVEL: 'debug' });
  assert.ok(r.ok);
  assert.equal(r.values.namespace, 'logs');
  assert.equal(r.values['no-leader-elect'], true);
  assert.equal(r.values.workers, '8');
  assert.equal(r.values['log-level'], 'debug');
  assert.equal(r.values['metrics-bind-address'], '0.0.0.0:8080');
  const q = parseOperatorArgs(['--log-level', 'warn'], { LOG_LEVEL: 'debug' });
  assert.ok(q.ok);
  assert.equal(q.values['log-level'], 'warn');
});

test('operator --help prints every flag and exits 0', () => {
  for (const flag of ['--help', '-h']) {
    const r = parseOperatorArgs([flag]);
    assert.ok(!r.ok);
    assert.equal(r.exitCode, 0);
    assert.equal(r.text, OPERATOR_USAGE);
  }
  for (const name of ['--kubeconfig', '--resync-seconds', '--metrics-bind-address', '--no-leader-elect']) {
    assert.match(OPERATOR_USAGE, new RegExp(`^  ${name} `, 'm'));
  }
});

test('operator: an unknown flag, a missing value or a positional is a one-line error naming it, exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--kubeconfg', 'x'], /--kubeconfg/],
    [['--workers'], /--workers/],
    [['extra'], /extra/],
  ];
  for (const [argv, re] of cases) {
    const r = parseOperatorArgs(argv);
    assert.ok(!r.ok, argv.join(' '));
    assert.equal(r.exitCode, 2);
    assert.match(r.text, re);
    assert.match(r.text, /^zlog-operator: /);
    assert.doesNotMatch(r.text, /    at /, 'no stack trace');
  }
});
