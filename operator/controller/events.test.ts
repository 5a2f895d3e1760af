import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AGGREGATION_WINDOW_MS, EventRecorder, MAX_REMEMBERED } from './events.js';
import { ApiError, type KubeObject, type RequestOptions, type Resource } from './kube.js';

class FakeKube {
  readonly created: KubeObject[] = [];
  readonly patched: Array<{ path: string; body: unknown }> = [];
  gone = false;
  async create<T extends KubeObject>(_r: Resource, obj: KubeObject): Promise<T> {
    this.created.push(obj);
    return obj as T;
  }
  async request<T>(path: string, o: RequestOptions = {}): Promise<T> {
    if (this.gone) throw new ApiError(404, 'NotFound', 'gone');
    this.patched.push({ path, body: o.body });
    return {} as T;
  }
}

const target = { name: 'web', namespace: 'shop', uid: 'u1' };

test('repeats within the window bump one Event; a different message or an expired window makes a new one', async () => {
  let now = 1_000_000;
  const kube = new FakeKube();
  const r = new EventRecorder(kube, pino({ level: 'silent' }), 'test', () => now);
  await r.write(target, 'Warning', 'ApplyFailed', 'boom');
  await r.write(target, 'Warning', 'ApplyFailed', 'boom');
  await r.write(target, 'Warning', 'ApplyFailed', 'boom');
  assert.equal(kube.created.length, 1);
  assert.deepEqual(kube.patched.map((p) => (p.body as { count: number }).count), [2, 3]);
  assert.match(kube.patched[0].path, /^\/api\/v1\/namespaces\/shop\/events\/web\.[0-9a-f]{16}$/);
  await r.write(target, 'Warning', 'ApplyFailed', 'other');
  assert.equal(kube.created.length, 2);
  now += AGGREGATION_WINDOW_MS;
  await r.write(target, 'Warning', 'ApplyFailed', 'boom');
  assert.equal(kube.created.length, 3);
  // The Event was deleted (TTL) meanwhile: a new one, not an error.
  kube.gone = true;
  await r.write(target, 'Warning', 'ApplyFailed', 'boom');
  assert.equal(kube.created.length, 4);
});

test('the aggregation memory is bounded', async () => {
  const kube = new FakeKube();
  const r = new EventRecorder(kube, pino({ level: 'silent' }), 'test');
  for (let i = 0; i < MAX_REMEMBERED + 10; i++) await r.write({ ...target, uid: `u${i}` }, 'Normal', 'X', 'y');
  assert.equal((r as unknown as { seen: Map<string, unknown> }).seen.size, MAX_REMEMBERED);
});
