import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { baselineCollector, benchArgs } from './cli.js';

const USAGE = 'usage: node dist/bench/x.js [--n N]';
class Exit extends Error {
  constructor(readonly code: number, readonly text: string) {
    super(`exit ${code}`);
  }
}
const exit = (code: 0 | 2, text: string): never => {
  throw new Exit(code, text);
};
const parse = (args: string[]) => benchArgs(USAGE, { args, options: { n: { type: 'string', default: '1' } } }, exit);

test('benchArgs: flags parse as with parseArgs; --help and -h give the usage and 0; a bad flag gives 2, its name and the usage', () => {
  assert.equal(parse(['--n', '5']).values.n, '5');
  assert.equal(parse([]).values.n, '1');
  for (const h of ['--help', '-h']) assert.throws(() => parse([h]), (e: Exit) => e.code === 0 && e.text === USAGE);
  assert.throws(() => parse(['-h', '--n', '3']), (e: Exit) => e.code === 0);
  assert.throws(() => parse(['--bogus']), (e: Exit) => e.code === 2 && /^x\.js: .*'--bogus'/.test(e.text) && e.text.endsWith(USAGE));
  assert.throws(() => parse(['--n']), (e: Exit) => e.code === 2 && /--n/.test(e.text));
  assert.throws(() => parse(['stray']), (e: Exit) => e.code === 2 && /stray/.test(e.text));
});

// The scripts the docs name with flags (bench/README.md, docs/sinks.md, docs/operator.md): `--help` prints their
// usage and exits 0 before starting anything (before: parseArgs' stack trace, or a file named --help).
const dist = join(fileURLToPath(import.meta.url), '..');
for (const script of ['sinks', 'operator-scale', 'operator-memory-floor', 'cpuprofile', 'run', 'restarts', 'latency-trace', 'spread', 'soak']) {
  test(`node dist/bench/${script}.js --help: usage on stdout, exit 0`, { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(dist, `${script}.js`), '--help'], { timeout: 110_000 });
    assert.match(stdout, new RegExp(`^usage: node dist/bench/${script}\\.js`));
  });
}

test('node dist/bench/sinks.js --bogus: exit 2, the flag named, no stack trace', { timeout: 120_000 }, async () => {
  const err = await promisify(execFile)(process.execPath, [join(dist, 'sinks.js'), '--bogus'], { timeout: 110_000 }).then(
    () => assert.fail('exited 0'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(err.code, 2);
  assert.match(err.stderr, /^sinks\.js: Unknown option '--bogus'/);
  assert.doesNotMatch(err.stderr, /\n\s+at /);
});

test('baselineCollector: a checkout without dist, or with native sources but no built addon, is refused by name; built ones and pre-addon ones pass', () => {
  const root = mkdtempSync(join(tmpdir(), 'zlog-baseline-'));
  try {
    assert.match(String(baselineCollector(root)), /no .*dist\/collector\/cli\/main\.js \(build it first/);
    mkdirSync(join(root, 'dist/collector/cli'), { recursive: true });
    writeFileSync(join(root, 'dist/collector/cli/main.js'), '');
    // A checkout from before the native receive path: nothing to build.
    assert.equal(baselineCollector(root), join(root, 'dist/collector/cli/main.js'));
    // `git archive` of a newer commit + tsc, as bench/README's A/B recipe once read: sources, no addon.
    mkdirSync(join(root, 'native'));
    writeFileSync(join(root, 'native/binding.gyp'), '{}');
    const refused = baselineCollector(root);
    assert.ok(refused instanceof Error);
    assert.match(refused.message, /native receive addon is not built.*zeromq\.js.*bash scripts\/build-native\.sh/);
    mkdirSync(join(root, 'native/build/Release'), { recursive: true });
    writeFileSync(join(root, 'native/build/Release/zlog_receive.node'), '');
    assert.equal(baselineCollector(root), join(root, 'dist/collector/cli/main.js'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
