// The README's first command and its tour, run exactly as written: `make run` in a copy of the repository (so
// its build and ./data stay out of the working tree) inside a network namespace of its own (so its fixed ports,
// 5555-5557, 9090 and 9091, cannot collide with anything else on a shared machine), then the tour's send, tail,
// status and curl lines verbatim, then Ctrl-C (SIGINT to make's process group) as a person stops it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../cluster/bins.js';
import { skipUnless } from '../helpers/requirement.js';

const ROOT = repoRoot();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--net', 'true']).status === 0;

/**
 * What `make run` builds from: the sources and build files, with their modification times (so make sees the
 * same up-to-date targets as in the repository). node_modules holds a symlink per installed package and a stamp
 * of its own, so the copy's `deps` target is satisfied without writing into the repository (the outer `make test`
 * installed them).
 */
function copyRepository(dest: string): void {
  for (const f of ['Makefile', 'package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(dest, f), { preserveTimestamps: true });
  for (const d of ['collector', 'operator', 'test', 'bench', 'scripts', 'native/src', 'native/libzmq']) cpSync(join(ROOT, d), join(dest, d), { recursive: true, preserveTimestamps: true });
  cpSync(join(ROOT, 'native/binding.gyp'), join(dest, 'native/binding.gyp'), { preserveTimestamps: true });
  mkdirSync(join(dest, 'native/build/Release'), { recursive: true });
  cpSync(join(ROOT, 'native/build/Release/zlog_receive.node'), join(dest, 'native/build/Release/zlog_receive.node'), { preserveTimestamps: true });
  mkdirSync(join(dest, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name !== '.stamp') symlinkSync(join(ROOT, 'node_modules', name), join(dest, 'node_modules', name));
  }
  writeFileSync(join(dest, 'node_modules/.stamp'), '');
}

test('README: `make run` and the five-minute tour, as written, in a network namespace of their own', { skip: skipUnless(!canUnshare && 'needs root and unshare --net (util-linux)'), timeout: 900_000 }, async (t) => {
  const first = /```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
  assert.match(first, /^make run\b/m, 'the README\'s first command is make run');
  const tourStart = README.indexOf('## Five-minute tour');
  const tour = /```sh\n([\s\S]*?)```/.exec(README.slice(tourStart))?.[1] ?? '';
  assert.match(tour, /^make run\n/, 'the tour starts with make run');
  const lines = tour.slice('make run\n'.length);
  const sample = /```json\n([\s\S]*?)\n```/.exec(README.slice(tourStart))?.[1] ?? '';

  const dir = mkdtempSync(join(tmpdir(), 'zlog-make-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyRepository(dir);
  // make must not reinstall node_modules through the symlinks.
  const fresh = spawnSync('make', ['-q', 'node_modules/.stamp'], { cwd: dir });
  assert.equal(fresh.status, 0, `make would run npm ci in the copy: ${fresh.stdout}${fresh.stderr}`);
  writeFileSync(join(dir, 'tour.sh'), lines);
  const script = `
set -u
ip link set lo up
set -m                                   # make gets a process group of its own, as in a terminal
make run > make.log 2>&1 &
mk=$!
for i in $(seq 1 1200); do
  curl -sf -o /dev/null 127.0.0.1:9090/readyz && break
  kill -0 $mk 2>/dev/null || { echo "MAKE RUN EXITED"; exit 10; }
  sleep 0.5
done
curl -sf -o /dev/null 127.0.0.1:9090/readyz || { echo "NOT READY"; kill -KILL -- -$mk; exit 11; }
echo "=== tour"
bash -e tour.sh
echo "=== tour rc=$?"
kill -INT -- -$mk                        # Ctrl-C
wait $mk
echo "=== make rc=$?"
`;
  const r = spawnSync('unshare', ['--net', '--', 'bash', '-c', script], { cwd: dir, encoding: 'utf8', timeout: 840_000, maxBuffer: 16 << 20 });
  const makeLog = readFileSync(join(dir, 'make.log'), 'utf8');
  const out = `${r.stdout}\n${r.stderr}\n--- make.log ---\n${makeLog.slice(-4000)}`;
  assert.match(r.stdout, /=== tour rc=0/, out);
  assert.match(r.stderr, /zlog send: 3 records acknowledged by tcp:\/\/127\.0\.0\.1:5557/, out);
  // tail -3 data/zlog.ndjson: the three records, the syslog one exactly as the README shows it.
  const tail = r.stdout.slice(r.stdout.indexOf('=== tour')).split('\n').filter((l) => l.startsWith('{"ts"'));
  assert.equal(tail.length, 3, out);
  assert.deepEqual(JSON.parse(tail[1]), JSON.parse(sample), out);
  assert.deepEqual(tail.map((l) => (JSON.parse(l) as { message: string }).message), ['hello', 'GET /', 'disk 91%'], out);
  // status: the table, ready, with the three inputs of the defaults; the metrics grep: the native counter at 3.
  assert.match(r.stdout, /^state\s+ready$/m, out);
  assert.match(r.stdout, /^input native\s+zmq-router tcp:\/\/127\.0\.0\.1:5557$/m, out);
  assert.match(r.stdout, /^zlog_component_received_events_total\{[^}]*component_id="native"[^}]*\} 3$/m, out);
  // Ctrl-C: the collector drains and exits 0 (make itself then reports the interrupt, 130, as it does for any
  // Ctrl-C; a recipe that failed would be "Error 1").
  assert.match(r.stdout, /=== make rc=(0|130)\n/, out);
  assert.match(makeLog, /"msg":"drain finished"/, out);
  assert.match(makeLog, /"ok":true[^\n]*"msg":"drain finished"|"msg":"drain finished"[^\n]*"ok":true/, out);
  assert.doesNotMatch(makeLog, /\*\*\* \[[^\]]*\] Error/, out);
});
