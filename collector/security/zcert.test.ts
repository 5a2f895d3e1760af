import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveKeyPair } from 'zeromq';
import { formatCertificate, keyNameOf, parseCertificate } from './zcert.js';

// A secret certificate as czmq's zcert_save writes it (layout of czmq 4.2; keys from libzmq, with '#' inside).
const CZMQ_SECRET = `#   ****  Generated on 2023-02-01 10:00:00 by CZMQ  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

metadata
    name = "rsyslog"
curve
    public-key = "zC#Y={u=#ZL*iA<Q1+n:t5.e%J%oY&<sV0>=V)Me"
    secret-key = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
`;

test("reads czmq's layout, including keys that contain '#'", () => {
  assert.deepEqual(parseCertificate(CZMQ_SECRET), { publicKey: 'zC#Y={u=#ZL*iA<Q1+n:t5.e%J%oY&<sV0>=V)Me', secretKey: 'D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs' });
});

test('what formatCertificate writes reads back, public and secret', () => {
  const pair = curveKeyPair();
  assert.deepEqual(parseCertificate(formatCertificate({ publicKey: pair.publicKey }, { name: 'web' })), { publicKey: pair.publicKey });
  assert.deepEqual(parseCertificate(formatCertificate({ publicKey: pair.publicKey, secretKey: pair.secretKey })), { publicKey: pair.publicKey, secretKey: pair.secretKey });
});

test('keys outside the curve section do not count; errors name the source and the problem', () => {
  assert.throws(() => parseCertificate('metadata\n    public-key = "' + curveKeyPair().publicKey + '"\n', 'f.key'), /f\.key: no curve public-key/);
  assert.throws(() => parseCertificate('curve\n    public-key = "short"\n', 'f.key'), /f\.key: public-key is not a 40-character Z85/);
  assert.throws(() => parseCertificate(`curve\n    public-key = "${curveKeyPair().publicKey}"\n    secret-key = "nope"\n`, 's'), /s: secret-key is not/);
  assert.throws(() => parseCertificate('', 'empty.key'), /empty\.key: no curve public-key/);
});

test('a key is named by its public certificate file', () => {
  assert.equal(keyNameOf('web-frontend.key'), 'web-frontend');
  assert.equal(keyNameOf('rsyslog'), 'rsyslog');
});
