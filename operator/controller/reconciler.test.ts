// The reconciler's decisions over an in-memory stand-in for the narrow kube interface it uses (ReconcileKube):
// what it applies, in which order, what it refuses to touch, what it prunes, and the conditions it reports.
// The real API server's side of the same behaviour is covered by test/operator/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ApiError, type KubeObject, type ObjectRef, type Resource } from './kube.js';
import { Reconciler, type EventSink, type ReconcileKube, type ReconcileDeps } from './reconciler.js';
import type { ChildKind, ChildRef } from '../manifests/children.js';
import type { LogServer } from '../api/types.js';

const log = pino({ level: 'silent' });
const UID = '11111111-2222-4333-8444-555555555555';

type Call = { op: 'get' | 'apply' | 'delete'; kind: string; name: string; sub?: string; uid?: string };

class FakeKube implements ReconcileKube {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failApply?: (kind: string) => Error | undefined;
  private key(kind: string, ns: string | undefined, name: string | undefined): string {
    return `${kind}/${ns}/${name}`;
  }
  async get<T extends KubeObject>(ref: ObjectRef): Promise<T> {
    this.calls.push({ op: 'get', kind: ref.kind, name: ref.name ?? '' });
    const o = this.objects.get(this.key(ref.kind, ref.namespace, ref.name));
    if (!o) throw new ApiError(404, 'NotFound', 'not found');
    return structuredClone(o) as T;
  }
  async apply<T extends KubeObject>(res: Resource, obj: KubeObject, sub?: string): Promise<T> {
    this.calls.push({ op: 'apply', kind: res.kind, name: obj.metadata.name, sub });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    const err = this.failApply?.(res.kind);
    if (err) throw err;
    if (sub) return obj as T;
    // As the API server: a uid in an apply is a precondition; it fails over another object (the uid is immutable)
    // and for a create (409: no object has it).
    const existing = this.objects.get(this.key(res.kind, obj.metadata.namespace, obj.metadata.name));
    if (obj.metadata.uid && !existing) throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: `);
    if (obj.metadata.uid && existing && existing.metadata.uid !== obj.metadata.uid) throw new ApiError(422, 'Invalid', 'metadata.uid: field is immutable');
    const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, uid: `uid-${obj.metadata.name}`, generation: 1 } } as KubeObject & { status?: unknown };
    if (res.kind === 'Deployment') stored.status = { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
    this.objects.set(this.key(res.kind, obj.metadata.namespace, obj.metadata.name), stored);
    return structuredClone(stored) as T;
  }
  async delete(ref: ObjectRef, uid?: string): Promise<boolean> {
    this.calls.push({ op: 'delete', kind: ref.kind, name: ref.name ?? '', uid });
    return this.objects.delete(this.key(ref.kind, ref.namespace, ref.name));
  }
  applied(): string[] {
    return this.calls.filter((c) => c.op === 'apply' && !c.sub).map((c) => c.kind);
  }
  statusWrites(): Call[] {
    return this.calls.filter((c) => c.sub === 'status');
  }
}

class Events implements EventSink {
  readonly recorded: Array<{ type: string; reason: string; message: string }> = [];
  record(_t: unknown, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorded.push({ type, reason, message });
  }
}

function logServer(spec: unknown = {}, status?: unknown): LogServer {
  return {
    apiVersion: 'logging.zlog.dev/v1alpha1',
    kind: 'LogServer',
    metadata: { name: 'web', namespace: 'shop', uid: UID, generation: 2 },
    spec,
    ...(status ? { status } : {}),
  } as LogServer;
}

function setup(opts: { smServed?: boolean; cache?: (ref: ChildRef) => KubeObject | undefined; holderOf?: (ref: ChildRef) => KubeObject | null | undefined; unready?: ReconcileDeps['unready']; referenced?: ReconcileDeps['referenced']; sinkReports?: ReconcileDeps['sinkReports']; sinkHealthPending?: () => boolean } = {}) {
  const kube = new FakeKube();
  const events = new Events();
  const r = new Reconciler({
    kube,
    events,
    apiAvailable: (k: ChildKind) => !k.optional || opts.smServed === true,
    cachedChild: (ref) => (opts.cache ? opts.cache(ref) : kube.objects.get(`${ref.kind}/${ref.namespace}/${ref.name}`)),
    holderOf: opts.holderOf,
    ...(opts.unready ? { unready: opts.unready } : {}),
    ...(opts.referenced ? { referenced: opts.referenced } : {}),
    ...(opts.sinkReports ? { sinkReports: opts.sinkReports } : {}),
    ...(opts.sinkHealthPending ? { sinkHealthPending: opts.sinkHealthPending } : {}),
    operatorNamespace: 'zlog-system',
  });
  return { kube, events, r };
}

// Capture status bodies: wrap apply.
function captureStatus(kube: FakeKube): Array<Record<string, any>> {
  const bodies: Array<Record<string, any>> = [];
  const orig = kube.apply.bind(kube);
  kube.apply = async <T extends KubeObject>(res: Resource, obj: KubeObject, sub?: string): Promise<T> => {
    if (sub === 'status') bodies.push((obj as unknown as { status: Record<string, any> }).status);
    return orig<T>(res, obj, sub);
  };
  return bodies;
}

/**
 * A LogServer reconciled again and again as the informer would show it: each round starts from the status the
 * previous round wrote. `statuses` holds every status body written.
 */
function reconcileRounds(kube: FakeKube, r: Reconciler): { statuses: Array<Record<string, any>>; again: () => Promise<void> } {
  const statuses = captureStatus(kube);
  let ls = logServer();
  return {
    statuses,
    again: async () => {
      await r.reconcile(ls, log);
      ls = logServer({}, statuses.at(-1));
    },
  };
}

const cond = (s: Record<string, any> | undefined, type: string) => (s?.conditions as Array<Record<string, string>> | undefined)?.find((c) => c.type === type);

test('fresh LogServer: wave 0 applied concurrently, the Deployment after it, status Ready from the Deployment', async () => {
  const { kube, r } = setup();
  const statuses = captureStatus(kube);
  assert.equal(await r.reconcile(logServer(), log), 'success');
  const applied = kube.applied();
  assert.deepEqual(new Set(applied.slice(0, 4)), new Set(['ServiceAccount', 'ConfigMap', 'Service', 'NetworkPolicy']));
  assert.equal(applied[4], 'Deployment', 'the workload goes last');
  assert.ok(kube.maxInFlight >= 3, `wave 0 applied one by one (max in flight ${kube.maxInFlight})`);
  assert.equal(cond(statuses.at(-1), 'Ready')?.status, 'True');
  assert.equal(statuses.at(-1)?.readyReplicas, 1);
});

test('steady state: children known to the cache are applied without a read', async () => {
  const { kube, r } = setup();
  await r.reconcile(logServer(), log);
  kube.calls.length = 0;
  await r.reconcile(logServer(), log);
  assert.deepEqual(kube.calls.filter((c) => c.op === 'get'), []);
});

test('a name the metadata cache shows free costs one read before its apply; a name it shows held by another is read before a conflict is declared', async () => {
  const users = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'shop', uid: 'user-cm' } } as KubeObject;
  let holders = new Map<string, KubeObject>();
  const { kube, r } = setup({ cache: () => undefined, holderOf: (ref) => holders.get(`${ref.kind}/${ref.name}`) ?? null });
  assert.equal(await r.reconcile(logServer(), log), 'success');
  // Free in the metadata cache only: one GET per child before its apply, and one apply each (not a refused
  // apply with a uid, a GET and the apply).
  const created = kube.applied();
  assert.deepEqual(kube.calls.filter((c) => c.op === 'get').map((c) => c.kind).sort(), created.filter((k) => k !== 'LogServer').sort());
  assert.equal(new Set(created).size, created.length, 'each child applied once');
  // The metadata cache says a user's object holds the ConfigMap's name, the API server says it is ours: one GET, no conflict.
  holders = new Map([['ConfigMap/web-config', users]]);
  kube.calls.length = 0;
  assert.equal(await r.reconcile(logServer(), log), 'success');
  assert.equal(kube.calls.filter((c) => c.op === 'get' && c.kind === 'ConfigMap').length, 1);
  assert.ok(kube.applied().includes('ConfigMap'));
  // And when it is really there, the conflict stands.
  kube.objects.set('ConfigMap/shop/web-config', users);
  assert.equal(await r.reconcile(logServer(), log), 'conflict');
});

test("a name the metadata cache shows free but a user's object holds (the cache behind): NameConflict, the object not applied over", async () => {
  const users = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'shop', uid: 'user-cm' }, data: { mine: 'yes' } } as KubeObject;
  const { kube, r, events } = setup({ cache: () => undefined, holderOf: () => null });
  kube.objects.set('ConfigMap/shop/web-config', users);
  assert.equal(await r.reconcile(logServer(), log), 'conflict');
  assert.deepEqual(kube.objects.get('ConfigMap/shop/web-config'), users, "the user's ConfigMap is as it was");
  assert.ok(events.recorded.some((e) => e.reason === 'NameConflict' && /ConfigMap shop\/web-config/.test(e.message)));
  // Once the user's object is gone the same cache state creates it; and a name that turns out to be ours is
  // applied again without the uid.
  kube.objects.delete('ConfigMap/shop/web-config');
  assert.equal(await r.reconcile(logServer(), log), 'success');
  assert.equal(await r.reconcile(logServer(), log), 'success');
  assert.equal(kube.objects.get('ConfigMap/shop/web-config')?.metadata.uid, 'uid-web-config');
});

test('a child the cache shows up to date is not applied again; drift on an operator field or a spec change is', async () => {
  const { kube, r } = setup();
  const statuses = captureStatus(kube);
  await r.reconcile(logServer(), log);
  kube.calls.length = 0;
  assert.equal(await r.reconcile(logServer({}, statuses.at(-1)), log), 'success');
  assert.deepEqual(kube.applied(), [], 'nothing changed: no child applied');
  assert.deepEqual(kube.statusWrites(), [], 'and no status written');
  // Status still comes from the workload, now read from the cache.
  const cm = kube.objects.get('ConfigMap/shop/web-config') as KubeObject & { data: Record<string, string> };
  kube.objects.set('ConfigMap/shop/web-config', { ...cm, data: { ...cm.data, 'config.yaml': 'edited by hand' } } as KubeObject);
  await r.reconcile(logServer({}, statuses.at(-1)), log);
  assert.deepEqual(kube.applied(), ['ConfigMap'], 'the edited child, and only it, is applied back');
  kube.calls.length = 0;
  await r.reconcile(logServer({ replicas: 2 }, statuses.at(-1)), log);
  assert.ok(kube.applied().includes('Deployment'), 'a spec change reaches the workload');
  assert.ok(!kube.applied().includes('ServiceAccount'), 'children the change does not touch stay as they are');
});

test('a child name held by an object it does not own: NameConflict naming it, nothing written, recovery when it goes', async () => {
  const { kube, r, events } = setup();
  const statuses = captureStatus(kube);
  const users = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'shop', uid: 'user-cm' }, data: { mine: 'yes' } } as KubeObject;
  kube.objects.set('ConfigMap/shop/web-config', users);
  assert.equal(await r.reconcile(logServer(), log), 'conflict');
  assert.deepEqual(kube.applied(), [], 'nothing applied');
  assert.deepEqual(kube.objects.get('ConfigMap/shop/web-config'), users, 'the user object is untouched');
  const ready = cond(statuses.at(-1), 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'NameConflict');
  assert.match(ready?.message ?? '', /ConfigMap shop\/web-config/);
  assert.ok(events.recorded.some((e) => e.type === 'Warning' && e.reason === 'NameConflict'));

  kube.objects.delete('ConfigMap/shop/web-config');
  assert.equal(await r.reconcile(logServer({}, statuses.at(-1)), log), 'success');
  assert.equal(cond(statuses.at(-1), 'Ready')?.status, 'True');
});

test('an object owned by another controller is a conflict too; an orphan carrying our labels is taken back', async () => {
  const { kube, r } = setup();
  const labels = { 'app.kubernetes.io/managed-by': 'zlog-operator', 'app.kubernetes.io/instance': 'web' };
  kube.objects.set('ServiceAccount/shop/web', {
    apiVersion: 'v1', kind: 'ServiceAccount',
    metadata: { name: 'web', namespace: 'shop', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'other', controller: true }] },
  });
  assert.equal(await r.reconcile(logServer(), log), 'conflict');
  kube.objects.set('ServiceAccount/shop/web', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop', labels } });
  assert.equal(await r.reconcile(logServer(), log), 'success');
  // Same labels but another instance's: not ours.
  kube.objects.set('ServiceAccount/shop/web', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop', labels: { ...labels, 'app.kubernetes.io/instance': 'other' } } });
  assert.equal(await r.reconcile(logServer(), log), 'conflict');
});

test('a failed apply of the current generation: Ready False ApplyFailed, error rethrown for the retry', async () => {
  const { kube, r } = setup();
  const statuses = captureStatus(kube);
  await r.reconcile(logServer(), log);
  assert.equal(cond(statuses.at(-1), 'Ready')?.status, 'True');
  kube.failApply = (kind) => (kind === 'Deployment' ? new ApiError(422, 'Invalid', 'Deployment.apps "web" is invalid') : undefined);
  await assert.rejects(r.reconcile(logServer({ replicas: 1, logLevel: 'debug' }, statuses.at(-1)), log), /invalid/);
  const ready = cond(statuses.at(-1), 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'ApplyFailed');
  assert.equal(statuses.at(-1)?.observedGeneration, 2);
});

test('prune: only unwanted children this LogServer owns, by uid', async () => {
  const { kube, r } = setup();
  const ownerRef = [{ apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', name: 'web', uid: UID, controller: true }];
  kube.objects.set('PodDisruptionBudget/shop/web', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop', uid: 'pdb-1', ownerReferences: ownerRef } });
  kube.objects.set('PersistentVolumeClaim/shop/web-data', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'web-data', namespace: 'shop', uid: 'pvc-user' } });
  await r.reconcile(logServer(), log);
  assert.deepEqual(kube.calls.filter((c) => c.op === 'delete'), [{ op: 'delete', kind: 'PodDisruptionBudget', name: 'web', uid: 'pdb-1' }]);
  assert.ok(kube.objects.has('PersistentVolumeClaim/shop/web-data'), "the user's claim stays");
});

test('optional kind whose API is absent: skipped, reported, never pruned; applied once served', async () => {
  const spec = { monitoring: { serviceMonitor: { enabled: true } } };
  const absent = setup({ smServed: false });
  const s1 = captureStatus(absent.kube);
  assert.equal(await absent.r.reconcile(logServer(spec), log), 'success');
  assert.ok(!absent.kube.applied().includes('ServiceMonitor'));
  assert.equal(cond(s1.at(-1), 'ServiceMonitorReady')?.reason, 'CRDNotInstalled');
  const served = setup({ smServed: true });
  const s2 = captureStatus(served.kube);
  await served.r.reconcile(logServer(spec), log);
  assert.ok(served.kube.applied().includes('ServiceMonitor'));
  assert.equal(cond(s2.at(-1), 'ServiceMonitorReady')?.status, 'True');
});

test('invalid spec: nothing applied or pruned, InvalidSpec naming the field', async () => {
  const { kube, r } = setup();
  const statuses = captureStatus(kube);
  assert.equal(await r.reconcile(logServer({ replicas: -1 }), log), 'invalid');
  assert.deepEqual(kube.applied(), []);
  assert.match(cond(statuses.at(-1), 'Ready')?.message ?? '', /spec\.replicas/);
});

test('CURVE: the server key item and the client keys are hashed onto the pod template; new keys change it, other items and a failed read do not', async () => {
  const told: Array<{ owner: string; sources: string[] }> = [];
  const { kube, r } = setup({ referenced: (owner, sources) => told.push({ owner: `${owner.namespace}/${owner.name}`, sources: sources.map((s) => `${s.kind}/${s.name}`) }) });
  const spec = { security: { curve: { serverKeySecret: 'web-server-key', clientKeys: { configMap: 'web-clients' } } } };
  const template = () => (kube.objects.get('Deployment/shop/web') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations;
  const ANN = 'logging.zlog.dev/secret-hash';
  const secret = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-server-key', namespace: 'shop' }, data }) as unknown as KubeObject;
  const clients = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-clients', namespace: 'shop' }, data }) as unknown as KubeObject;

  // No Secret yet: the pods cannot mount it; the template says so.
  assert.equal(await r.reconcile(logServer(spec), log), 'success');
  assert.equal(template()[ANN], 'missing');
  assert.deepEqual(told.at(-1), { owner: 'shop/web', sources: ['Secret/web-server-key', 'ConfigMap/web-clients'] }, 'the watch is told what the pods read');
  kube.objects.set('Secret/shop/web-server-key', secret({ 'server.key_secret': Buffer.from('key one').toString('base64') }));
  await r.reconcile(logServer(spec), log);
  assert.equal(template()[ANN], 'missing', 'the client keys ConfigMap is missing too');
  kube.objects.set('ConfigMap/shop/web-clients', clients({ 'app.key': 'public one' }));
  await r.reconcile(logServer(spec), log);
  const first = template()[ANN];
  assert.match(first, /^[0-9a-f]{16}$/);
  assert.ok(!Object.values(template()).some((v) => v.includes(Buffer.from('key one').toString('base64'))), 'only a digest');
  // Another item of the Secret changes: nothing to roll.
  kube.objects.set('Secret/shop/web-server-key', secret({ 'server.key_secret': Buffer.from('key one').toString('base64'), 'server.key': 'cHVi' }));
  await r.reconcile(logServer(spec), log);
  assert.equal(template()[ANN], first);
  // A new allowed client key: a new hash.
  kube.objects.set('ConfigMap/shop/web-clients', clients({ 'app.key': 'public one', 'db.key': 'public two' }));
  await r.reconcile(logServer(spec), log);
  const withClient = template()[ANN];
  assert.notEqual(withClient, first);
  // A new key: a new hash, so the Deployment rolls its pods.
  kube.objects.set('Secret/shop/web-server-key', secret({ 'server.key_secret': Buffer.from('key two').toString('base64') }));
  await r.reconcile(logServer(spec), log);
  const second = template()[ANN];
  assert.notEqual(second, withClient);
  // The Secret cannot be read (RBAC, API trouble): the template keeps what it has.
  const get = kube.get.bind(kube);
  kube.get = async <T extends KubeObject>(ref: ObjectRef): Promise<T> => {
    if (ref.kind === 'Secret') throw new ApiError(403, 'Forbidden', 'secrets "web-server-key" is forbidden');
    return get<T>(ref);
  };
  await r.reconcile(logServer(spec), log);
  assert.equal(template()[ANN], second);
  // Without CURVE there is no annotation and no Secret read, and the watch is told the LogServer reads nothing.
  const before = kube.calls.filter((c) => c.kind === 'Secret' || c.kind === 'ConfigMap' && c.op === 'get').length;
  await r.reconcile(logServer({}), log);
  assert.equal(template()[ANN], undefined);
  assert.equal(kube.calls.filter((c) => c.kind === 'Secret' || c.kind === 'ConfigMap' && c.op === 'get').length, before);
  assert.deepEqual(told.at(-1), { owner: 'shop/web', sources: [] });
});

test('per-replica storage: headless Service and StatefulSet; a pod no node can take makes the LogServer Degraded at once', async () => {
  const message = '0/1 nodes are available: 1 node(s) didn\'t find available persistent volumes to bind.';
  const { kube, r } = setup({
    unready: () => ({ pods: [{ pod: 'web-0', reason: `cannot be scheduled: ${message}`, unschedulable: message }], total: 1 }),
  });
  const statuses = captureStatus(kube);
  // The fake reports no status for a StatefulSet: 0 of 2 ready, as while its pods are Pending.
  const spec = { replicas: 2, storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi' } } };
  assert.equal(await r.reconcile(logServer(spec), log), 'success');
  assert.ok(kube.applied().includes('StatefulSet') && !kube.applied().includes('Deployment'));
  assert.ok(kube.calls.some((c) => c.op === 'apply' && c.kind === 'Service' && c.name === 'web-headless'));
  const degraded = cond(statuses.at(-1), 'Degraded');
  assert.equal(degraded?.status, 'True');
  assert.equal(degraded?.reason, 'Unschedulable');
  assert.equal(degraded?.message, `pod web-0 cannot be scheduled: ${message}`);
  assert.match(cond(statuses.at(-1), 'Ready')?.message ?? '', /pod web-0 not ready: cannot be scheduled/);
  assert.match(String(statuses.at(-1)?.storage), /data-web-0 \.\. data-web-1\); claims are kept on scale-down/);
});

test('sink health: status.sinks and SinksHealthy from the pods\' answers, a Warning Event when a sink fails, Ready untouched; gone without answers', async () => {
  let answers: import('./sink-health.js').PodSinks[] | undefined = [{ pod: 'web-0', sinks: [{ id: 'file', type: 'file', failing: null, queuePercent: 0, bufferPercent: null }] }];
  const { kube, events, r } = setup({ sinkReports: (ns, name) => (ns === 'shop' && name === 'web' ? answers : undefined) });
  const { statuses, again } = reconcileRounds(kube, r);
  await again();
  assert.deepEqual(statuses.at(-1)?.sinks, [{ name: 'file', type: 'file', podsReporting: 1, failingPods: 0, queueFillPercent: 0 }]);
  assert.equal(cond(statuses.at(-1), 'SinksHealthy')?.status, 'True');
  assert.ok(!events.recorded.some((e) => e.reason.startsWith('Sink')), 'a healthy sink makes no Event');
  // The operator's namespace reaches the metrics port through the NetworkPolicy.
  const np = kube.objects.get('NetworkPolicy/shop/web') as unknown as { spec: { ingress: Array<{ from: Array<{ namespaceSelector?: { matchLabels: Record<string, string> } }> }> } };
  assert.ok(np.spec.ingress[1].from.some((p) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'zlog-system'));

  answers = [{ pod: 'web-0', sinks: [{ id: 'file', type: 'file', failing: 'ENOSPC: no space left on device', queuePercent: 100, bufferPercent: null }] }];
  await again();
  const failing = cond(statuses.at(-1), 'SinksHealthy');
  assert.deepEqual([failing?.status, failing?.reason, failing?.message], ['False', 'SinkFailing', 'sink file (file) failing on 1/1 pods: ENOSPC: no space left on device']);
  assert.equal(cond(statuses.at(-1), 'Ready')?.status, 'True', 'a failing sink does not flip Ready');
  assert.deepEqual(events.recorded.filter((e) => e.reason === 'SinkFailing').map((e) => e.type), ['Warning']);
  const writes = kube.statusWrites().length;
  await again();
  assert.equal(kube.statusWrites().length, writes, 'the same answer writes nothing');

  answers = undefined;
  await again();
  assert.equal(statuses.at(-1)?.sinks, undefined);
  assert.equal(cond(statuses.at(-1), 'SinksHealthy'), undefined, 'no pod answered: no claim either way');
});

test('sink health before this process has swept: a LogServer keeps its status.sinks and SinksHealthy (no write); after, no answer removes them', async () => {
  let answers: import('./sink-health.js').PodSinks[] | undefined = [{ pod: 'web-0', sinks: [{ id: 'file', type: 'file', failing: null, queuePercent: 0, bufferPercent: null }] }];
  let pending = false;
  const { kube, r } = setup({ sinkReports: () => answers, sinkHealthPending: () => pending });
  const { statuses, again } = reconcileRounds(kube, r);
  await again();
  await again();
  assert.equal(cond(statuses.at(-1), 'SinksHealthy')?.status, 'True');
  const writes = kube.statusWrites().length;
  // A restarted operator: no answer yet, its first sweep still to come.
  answers = undefined;
  pending = true;
  await again();
  assert.equal(kube.statusWrites().length, writes, 'nothing asked yet: the status stays as it is');
  pending = false;
  await again();
  assert.equal(statuses.at(-1)?.sinks, undefined);
  assert.equal(cond(statuses.at(-1), 'SinksHealthy'), undefined, 'swept and no pod answered: no claim either way');
});
