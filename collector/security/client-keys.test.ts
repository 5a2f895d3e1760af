import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { ClientKeys, readKeySet } from './client-keys.js';
import { formatCertificate } from './zcert.js';
import { z85Decode } from './z85.js';

function dirWith(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'zlog-keys-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

test('a directory of public certificates: names from file names; secrets and dotfiles skipped', (t) => {
  const [a, b] = [curveKeyPair(), curveKeyPair()];
  const d = dirWith({ 'web.key': formatCertificate({ publicKey: a.publicKey }), 'rsyslog.key': formatCertificate({ publicKey: b.publicKey }), 'web.key_secret': formatCertificate(a) });
  t.after(() => rmSync(d, { recursive: true, force: true }));
  // Kubernetes' projected layout: ..data symlink and a hidden timestamped directory.
  mkdirSync(join(d, '..2026_11_29'));
  symlinkSync('..2026_11_29', join(d, '..data'));
  const set = readKeySet(d);
  assert.deepEqual([...set.byKey.values()].sort(), ['rsyslog', 'web']);
  assert.equal(set.byKey.get(z85Decode(a.publicKey).toString('hex')), 'web');
  assert.equal(readKeySet(join(d, 'web.key')).byKey.size, 1);
});

test('refusals name the file: a secret certificate, the same key twice, a missing path, garbage', (t) => {
  const a = curveKeyPair();
  const d1 = dirWith({ 'x.key': formatCertificate(a) });
  const d2 = dirWith({ 'x.key': formatCertificate({ publicKey: a.publicKey }), 'y.key': formatCertificate({ publicKey: a.publicKey }) });
  const d3 = dirWith({ 'junk.key': 'hello' });
  t.after(() => [d1, d2, d3].forEach((d) => rmSync(d, { recursive: true, force: true })));
  assert.throws(() => readKeySet(d1), /x\.key: holds a secret key/);
  assert.throws(() => readKeySet(d2), /y\.key: the same key as x/);
  assert.throws(() => readKeySet(join(d1, 'nope')), /client keys .*nope: ENOENT/);
  assert.throws(() => readKeySet(d3), /junk\.key: no curve public-key/);
});

test('reload swaps the set only when every file reads; a bad file keeps the previous set', (t) => {
  const [a, b] = [curveKeyPair(), curveKeyPair()];
  const d = dirWith({ 'a.key': formatCertificate({ publicKey: a.publicKey }) });
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const events: string[] = [];
  const keys = new ClientKeys(d, { loaded: (n, r) => events.push(`loaded ${n} ${r}`), failed: (e) => events.push(`failed ${e.message}`) });
  assert.equal(keys.nameOf(z85Decode(a.publicKey)), 'a');
  assert.equal(keys.nameOf(z85Decode(b.publicKey)), undefined);
  writeFileSync(join(d, 'b.key'), 'half-written');
  assert.equal(keys.reload('SIGHUP'), false);
  assert.equal(keys.nameOf(z85Decode(a.publicKey)), 'a');
  writeFileSync(join(d, 'b.key'), formatCertificate({ publicKey: b.publicKey }));
  rmSync(join(d, 'a.key'));
  assert.equal(keys.reload('SIGHUP'), true);
  assert.equal(keys.nameOf(z85Decode(a.publicKey)), undefined);
  assert.equal(keys.nameOf(z85Decode(b.publicKey)), 'b');
  assert.deepEqual(events.map((e) => e.replace(/ .*b\.key.*/, ' b.key')), ['loaded 1 start', 'failed b.key', 'loaded 1 SIGHUP']);
});

test('a change in the directory reloads without a signal', async (t) => {
  const [a, b] = [curveKeyPair(), curveKeyPair()];
  const d = dirWith({ 'a.key': formatCertificate({ publicKey: a.publicKey }) });
  const keys = new ClientKeys(d, { loaded: () => {}, failed: () => {} });
  t.after(() => {
    keys.close();
    rmSync(d, { recursive: true, force: true });
  });
  keys.watch(20);
  writeFileSync(join(d, 'b.key'), formatCertificate({ publicKey: b.publicKey }));
  const until = Date.now() + 10_000;
  while (keys.nameOf(z85Decode(b.publicKey)) === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(keys.nameOf(z85Decode(b.publicKey)), 'b');
});
