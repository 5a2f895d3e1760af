import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDeployment } from './deployment.js';
import { owner, specOf, validateUpstream } from './fixtures.js';
import { renderCollectorConfig } from '../api/collector-config.js';

test('probes follow the health thresholds: timeout above the critical event-loop lag, liveness slower than readiness', () => {
  const d = buildDeployment(owner, specOf({}), 'h');
  validateUpstream(d);
  const c = d.spec?.template.spec?.containers[0];
  // Defaults: checks every 1 s, event-loop critical at 5 s.
  assert.deepEqual(c?.readinessProbe, { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 2, timeoutSeconds: 6, failureThreshold: 1, successThreshold: 1 });
  assert.deepEqual(c?.livenessProbe, { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 6, failureThreshold: 3, successThreshold: 1 });

  const slow = buildDeployment(owner, specOf({ health: { intervalMs: 15_000, eventLoop: { warningMs: 1000, criticalMs: 20_000 } } }), 'h');
  const s = slow.spec?.template.spec?.containers[0];
  assert.equal(s?.readinessProbe?.periodSeconds, 10);
  assert.equal(s?.livenessProbe?.periodSeconds, 30);
  assert.equal(s?.livenessProbe?.timeoutSeconds, 21);
});

test('the LogServer health thresholds reach the collector config with the collector defaults filled in', () => {
  const cfg = renderCollectorConfig(specOf({ health: { sinks: { stalledSeconds: 5, stuckSeconds: 60 } } }));
  assert.deepEqual(cfg.health.sinks, { stalledSeconds: 5, stuckSeconds: 60, storeOutageFailsReadinessSeconds: 0 });
  // The opt-in to fail readiness on a store outage (docs/operations.md) reaches the pods as given.
  const optIn = renderCollectorConfig(specOf({ health: { sinks: { storeOutageFailsReadinessSeconds: 90 } } }));
  assert.deepEqual(optIn.health.sinks, { stalledSeconds: 10, stuckSeconds: 120, storeOutageFailsReadinessSeconds: 90 });
  assert.equal(cfg.health.memory.warningRatio, 0.8);
  assert.throws(() => specOf({ health: { memory: { warningRatio: 2 } } }), /health/);
});
