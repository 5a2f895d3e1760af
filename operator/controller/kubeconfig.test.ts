import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authHeaders, fromKubeconfigText, inCluster, loadClientConfig } from './kubeconfig.js';

const doc = (user: string, cluster = "server: https://10.0.0.1:6443\n    certificate-authority-data: Q0E=") => `apiVersion: v1
kind: Config
current-context: c
contexts:
- name: other
  context: { cluster: nope, user: nope }
- name: c
  context: { cluster: k, user: u }
clusters:
- name: k
  cluster:
    ${cluster}
users:
- name: u
  user:
    ${user}
`;

test('current context: server, CA, client certificate from data or relative files, token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-'));
  writeFileSync(join(dir, 'client.crt'), 'CERT');
  const c = fromKubeconfigText(doc('client-certificate: client.crt\n    client-key-data: S0VZ\n    token: abc'), dir, 'test');
  assert.equal(c.server, 'https://10.0.0.1:6443');
  assert.equal(c.ca?.toString(), 'CA');
  assert.equal(c.cert?.toString(), 'CERT');
  assert.equal(c.key?.toString(), 'KEY');
  assert.equal(c.rejectUnauthorized, true);
  assert.deepEqual(authHeaders(c), { Authorization: 'Bearer abc' });
});

test('tokenFile is re-read (rotated tokens), basic auth, insecure-skip-tls-verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-'));
  writeFileSync(join(dir, 'tok'), 'one\n');
  const c = fromKubeconfigText(doc('tokenFile: tok', 'server: http://127.0.0.1:8080\n    insecure-skip-tls-verify: true'), dir, 'test');
  assert.equal(c.rejectUnauthorized, false);
  assert.deepEqual(authHeaders(c), { Authorization: 'Bearer one' });
  writeFileSync(join(dir, 'tok'), 'two');
  assert.deepEqual(authHeaders(c), { Authorization: 'Bearer two' });
  const b = fromKubeconfigText(doc('username: admin\n    password: pw'), dir, 'test');
  assert.deepEqual(authHeaders(b), { Authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` });
});

test('exec plugins and missing pieces are refused naming what is wrong', () => {
  assert.throws(() => fromKubeconfigText(doc('exec: { command: aws }'), '/', 'kc.yaml'), /kc\.yaml: user u authenticates with an exec/);
  assert.throws(() => fromKubeconfigText('current-context: x\n', '/', 'kc.yaml'), /context x not found/);
  assert.throws(() => fromKubeconfigText('{}', '/', 'kc.yaml'), /no current-context/);
});

test('in-cluster: service host and port, token and CA files; KUBECONFIG wins over it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), 'sa-token');
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  const c = inCluster({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
  assert.equal(c?.server, 'https://10.96.0.1:443');
  assert.deepEqual(c && authHeaders(c), { Authorization: 'Bearer sa-token' });
  assert.equal(inCluster({}, dir), undefined);
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, doc('token: t'));
  assert.equal(loadClientConfig(undefined, { KUBECONFIG: file, KUBERNETES_SERVICE_HOST: 'x', KUBERNETES_SERVICE_PORT: '1' }).source, file);
});
