import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AckGroups } from './ack-groups.js';

test('each reply waits for exactly the sinks of its message; mask 0 is sent at once; all() sends the rest', () => {
  const sent: string[] = [];
  const g = new AckGroups(['a', 'b', 'ab', 'none', 'c'], [0b001, 0b010, 0b011, 0, 0b100], 0b111, (name) => void sent.push(`${name}:true`));
  assert.deepEqual(sent, ['none:true']);
  g.written(1);
  assert.deepEqual(sent, ['none:true', 'b:true']);
  g.written(1);
  assert.deepEqual(sent, ['none:true', 'b:true'], 'a sink reported twice sends nothing twice');
  g.written(0);
  assert.deepEqual(sent, ['none:true', 'b:true', 'a:true', 'ab:true']);
  g.all();
  assert.deepEqual(sent, ['none:true', 'b:true', 'a:true', 'ab:true', 'c:true']);
  g.all();
  assert.equal(sent.length, 5, 'never twice');
});

test('a reply whose sinks take no part of the chunk (nothing pending for them) is sent at once', () => {
  const sent: number[] = [];
  new AckGroups([1], [0b10], 0b01, (n) => void sent.push(n));
  assert.deepEqual(sent, [1]);
});
