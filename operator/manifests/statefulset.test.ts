import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatefulSet, claimName, describeStorage, wantsStatefulSet } from './statefulset.js';
import { buildHeadlessService, buildService } from './service.js';
import { buildServiceMonitor } from './servicemonitor.js';
import { HEADLESS_LABEL } from './common.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

const pvc = (extra: object = {}) =>
  specOf({ replicas: 3, storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '5Gi', storageClassName: 'fast', ...extra } } });

test('persistentVolumeClaim storage: a claim per replica, the headless Service, parallel pods, claims retained by default', () => {
  const spec = pvc();
  assert.ok(wantsStatefulSet(spec));
  assert.ok(!wantsStatefulSet(specOf({})));
  const s = buildStatefulSet(owner, spec, 'h');
  validateUpstream(s);
  assert.equal(s.spec?.replicas, 3);
  assert.equal(s.spec?.serviceName, 'demo-headless');
  assert.equal(s.spec?.podManagementPolicy, 'Parallel');
  assert.deepEqual(s.spec?.persistentVolumeClaimRetentionPolicy, { whenScaled: 'Retain', whenDeleted: 'Retain' });
  const [tpl] = s.spec?.volumeClaimTemplates ?? [];
  assert.equal(tpl.metadata?.name, 'data');
  assert.deepEqual(tpl.spec?.accessModes, ['ReadWriteOnce']);
  assert.equal(tpl.spec?.resources?.requests?.storage, '5Gi');
  assert.equal(tpl.spec?.storageClassName, 'fast');
  const pod = s.spec?.template.spec;
  // The claim comes from the template, not from a pod volume; each pod writes under its own name on it.
  assert.equal(pod?.volumes?.find((v) => v.name === 'data'), undefined);
  assert.deepEqual(pod?.containers[0].volumeMounts?.find((m) => m.name === 'data'), { name: 'data', mountPath: '/var/lib/zlog', subPathExpr: '$(POD_NAME)' });
  assert.ok(pod?.containers[0].env?.some((e) => e.name === 'POD_NAME' && e.valueFrom?.fieldRef?.fieldPath === 'metadata.name'));
  assert.equal(claimName(owner, 2), 'data-demo-2');
});

test('retention policy from the spec, and status.storage says it', () => {
  const spec = pvc({ retentionPolicy: { whenScaled: 'Delete' } });
  assert.deepEqual(buildStatefulSet(owner, spec, 'h').spec?.persistentVolumeClaimRetentionPolicy, { whenScaled: 'Delete', whenDeleted: 'Retain' });
  assert.equal(
    describeStorage(owner, spec),
    'each replica owns a claim (data-demo-0 .. data-demo-2); claims are deleted on scale-down (whenScaled: Delete) and kept when the LogServer is deleted (whenDeleted: Retain)',
  );
  assert.match(describeStorage(owner, specOf({})), /^emptyDir/);
  assert.throws(() => buildStatefulSet(owner, specOf({}), 'h'), /persistentVolumeClaim/);
});

test('headless Service: clusterIP None, same ports and pods, and the ServiceMonitor does not select it', () => {
  const spec = pvc();
  const h = buildHeadlessService(owner, spec);
  validateUpstream(h);
  assert.equal(h.spec?.clusterIP, 'None');
  assert.equal(h.metadata.name, 'demo-headless');
  assert.deepEqual(h.spec?.ports, buildService(owner, spec).spec?.ports);
  assert.deepEqual(h.spec?.selector, buildService(owner, spec).spec?.selector);
  assert.equal(h.metadata.labels[HEADLESS_LABEL], 'true');
  // Label-selector semantics: every matchLabels pair present, every DoesNotExist key absent.
  const sm = buildServiceMonitor(owner, specOf({ monitoring: { serviceMonitor: { enabled: true } } })).spec.selector;
  const selects = (labels: Record<string, string>) =>
    Object.entries(sm.matchLabels).every(([k, v]) => labels[k] === v) && sm.matchExpressions.every((e) => !(e.key in labels));
  assert.ok(selects(buildService(owner, spec).metadata.labels), 'the client Service is scraped');
  assert.ok(!selects(h.metadata.labels), 'the headless Service is not (each pod would be scraped twice)');
});
