import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceIndex } from './references.js';

test('the reference index maps a Secret or ConfigMap back to the LogServers that read it, and shrinks again', () => {
  const idx = new ReferenceIndex();
  idx.set('shop', 'web', [
    { kind: 'Secret', name: 'srv', key: 'server.key_secret' },
    { kind: 'Secret', name: 'clients' },
  ]);
  idx.set('shop', 'api', [{ kind: 'Secret', name: 'srv', key: 'server.key_secret' }, { kind: 'ConfigMap', name: 'clients' }]);
  idx.set('other', 'web', [{ kind: 'Secret', name: 'srv', key: 'x' }]);
  assert.deepEqual(idx.ownersOf('Secret', 'shop', 'srv').sort(), ['shop/api', 'shop/web']);
  assert.deepEqual(idx.ownersOf('Secret', 'shop', 'clients'), ['shop/web']);
  assert.deepEqual(idx.ownersOf('ConfigMap', 'shop', 'clients'), ['shop/api'], 'a ConfigMap and a Secret of one name are two objects');
  assert.deepEqual(idx.ownersOf('Secret', 'other', 'srv'), ['other/web'], 'namespaces are apart');
  assert.deepEqual(idx.ownersOf('Secret', 'shop', 'nobody'), []);

  // A spec that stops naming a Secret: the Secret no longer wakes it.
  idx.set('shop', 'web', [{ kind: 'Secret', name: 'srv', key: 'server.key_secret' }]);
  assert.deepEqual(idx.ownersOf('Secret', 'shop', 'clients'), []);
  assert.equal(idx.size, 3);
  idx.delete('shop/web');
  idx.delete('shop/api');
  idx.set('other', 'web', []);
  assert.equal(idx.size, 0, 'nothing is kept for LogServers that are gone or name nothing');
});
