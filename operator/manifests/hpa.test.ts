import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHorizontalPodAutoscaler } from './hpa.js';
import { owner, specOf, validateUpstream } from './fixtures.js';
import { validateSpec } from '../api/validate.js';

test('targets the LogServer scale subresource with CPU and a per-pod metric', () => {
  const hpa = buildHorizontalPodAutoscaler(owner, specOf({
    resources: { requests: { cpu: '100m' } },
    autoscaler: { minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70, metric: { name: 'zlog_queue_fill_ratio', averageValue: '500m' } },
  }));
  validateUpstream(hpa);
  assert.deepEqual(hpa.spec?.scaleTargetRef, { apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', name: 'demo' });
  assert.equal(hpa.spec?.minReplicas, 2);
  assert.equal(hpa.spec?.maxReplicas, 6);
  assert.deepEqual(hpa.spec?.metrics?.map((m) => m.type), ['Resource', 'Pods']);
  assert.equal(hpa.spec?.metrics?.[1].pods?.target.averageValue, '500m');
});

test('autoscaler rules: a metric is required, min <= max, CPU needs a CPU request', () => {
  const cases: Array<[unknown, string]> = [
    [{ autoscaler: { maxReplicas: 3 } }, 'spec.autoscaler'],
    [{ resources: { requests: { cpu: '1' } }, autoscaler: { minReplicas: 4, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } }, 'spec.autoscaler.minReplicas'],
    [{ autoscaler: { maxReplicas: 3, targetCPUUtilizationPercentage: 50 } }, 'spec.autoscaler.targetCPUUtilizationPercentage'],
  ];
  for (const [spec, path] of cases) {
    const r = validateSpec(spec);
    assert.ok(!r.ok, JSON.stringify(spec));
    assert.deepEqual(r.errors.map((e) => e.path), [path], JSON.stringify(spec));
  }
  assert.ok(validateSpec({ autoscaler: { maxReplicas: 3, metric: { name: 'm', averageValue: 10 } } }).ok);
});
