import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminRefusal, isLoopbackAddress, isLoopbackHost } from './admin-guard.js';

const ok = { remoteAddress: '127.0.0.1', headers: { host: '127.0.0.1:9091' } };

test('loopback addresses: 127/8, ::1 and IPv4-mapped forms; nothing else', () => {
  for (const a of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopbackAddress(a), a);
  for (const a of ['10.0.0.7', '::ffff:10.0.0.7', '0.0.0.0', '::', '128.0.0.1', '1127.0.0.1', '', undefined]) assert.ok(!isLoopbackAddress(a), String(a));
});

test('loopback Host headers: localhost, 127.x and [::1] with or without a port', () => {
  for (const h of ['localhost', 'localhost:9091', '127.0.0.1:9091', 'LOCALHOST:1', '[::1]:9091', '[::1]']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['evil.example:9091', 'localhost.evil.example', '10.0.0.7:9091', '127.0.0.1.nip.io', '', undefined]) assert.ok(!isLoopbackHost(h), String(h));
});

test('the preStop hook / zlog status / curl shape is allowed', () => {
  assert.equal(adminRefusal(ok), undefined);
  assert.equal(adminRefusal({ remoteAddress: '::1', headers: { host: 'localhost:9091', 'user-agent': 'node' } }), undefined);
});

test('a peer off loopback is refused, whatever its headers say', () => {
  assert.match(adminRefusal({ ...ok, remoteAddress: '10.244.0.9' }) ?? '', /loopback peers only, not 10\.244\.0\.9/);
  assert.match(adminRefusal({ ...ok, remoteAddress: undefined }) ?? '', /unknown peer/);
});

test('browser requests are refused: a CORS simple POST carries Origin, fetch metadata says cross-site', () => {
  assert.match(adminRefusal({ ...ok, headers: { ...ok.headers, origin: 'https://evil.example', 'content-type': 'text/plain' } }) ?? '', /Origin/);
  assert.match(adminRefusal({ ...ok, headers: { ...ok.headers, origin: 'null' } }) ?? '', /Origin/);
  assert.match(adminRefusal({ ...ok, headers: { ...ok.headers, 'sec-fetch-site': 'cross-site' } }) ?? '', /Sec-Fetch-Site: cross-site/);
  assert.match(adminRefusal({ ...ok, headers: { ...ok.headers, 'sec-fetch-site': 'same-origin' } }) ?? '', /Sec-Fetch-Site/);
});

test('DNS rebinding (a foreign Host on a loopback connection) is refused', () => {
  assert.match(adminRefusal({ ...ok, headers: { host: 'rebind.evil.example:9091' } }) ?? '', /loopback Host header/);
  assert.match(adminRefusal({ ...ok, headers: {} }) ?? '', /loopback Host header/);
});
