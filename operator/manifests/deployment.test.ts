import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PORT } from '../../collector/config/schema.js';
import { TEMPLATE_HASH_ANNOTATION, buildDeployment, preStopScript } from './deployment.js';
import { CONFIG_HASH_ANNOTATION } from './common.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

test('a default Deployment validates upstream and carries the drain-safe rollout', () => {
  const d = buildDeployment(owner, specOf({}), 'abc123');
  validateUpstream(d);
  assert.deepEqual(d.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  const pod = d.spec?.template.spec;
  const c = pod?.containers[0];
  assert.equal(pod?.terminationGracePeriodSeconds, 25 + 15);
  assert.equal(d.spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION], 'abc123');
  assert.equal(c?.livenessProbe?.httpGet?.path, '/healthz');
  assert.equal(c?.readinessProbe?.httpGet?.path, '/readyz');
  assert.deepEqual(c?.lifecycle?.preStop?.exec?.command?.slice(0, 2), ['node', '-e']);
  assert.deepEqual(c?.ports?.map((p) => p.name), ['pull', 'sub', 'native', 'metrics']);
  assert.deepEqual(c?.args, ['start', '--config', '/etc/zlog/config.yaml']);
  assert.equal(pod?.volumes?.find((v) => v.name === 'data')?.emptyDir !== undefined, true);
  assert.deepEqual(d.spec?.selector.matchLabels, { 'app.kubernetes.io/name': 'zlog', 'app.kubernetes.io/instance': 'demo' });
});

test('restricted security context by default; the spec merges over it', () => {
  const d = buildDeployment(owner, specOf({ containerSecurityContext: { readOnlyRootFilesystem: false } }), 'h');
  const pod = d.spec?.template.spec;
  assert.equal(pod?.securityContext?.runAsNonRoot, true);
  assert.equal(pod?.securityContext?.seccompProfile?.type, 'RuntimeDefault');
  const sc = pod?.containers[0].securityContext;
  assert.equal(sc?.allowPrivilegeEscalation, false);
  assert.deepEqual(sc?.capabilities?.drop, ['ALL']);
  assert.equal(sc?.readOnlyRootFilesystem, false);
});

test('the grace period stays above any drain timeout', () => {
  for (const t of [1, 25, 3600]) {
    const d = buildDeployment(owner, specOf({ drainTimeoutSeconds: t }), 'h');
    assert.ok((d.spec?.template.spec?.terminationGracePeriodSeconds ?? 0) > t);
  }
});

test('scheduling, env, annotations and resources are passed to the pod; emptyDir data mounted whole', () => {
  const spec = specOf({
    replicas: 2,
    resources: { limits: { memory: '1Gi', cpu: 2 } },
    storage: { type: 'emptyDir', emptyDir: { sizeLimit: '2Gi' } },
    scheduling: {
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'logs', operator: 'Exists', effect: 'NoSchedule' }],
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
    },
    env: [{ name: 'A', value: '1' }],
    podAnnotations: { 'x/y': 'z' },
  });
  const d = buildDeployment(owner, spec, 'h');
  validateUpstream(d);
  const pod = d.spec?.template.spec;
  assert.deepEqual(pod?.nodeSelector, { disk: 'ssd' });
  assert.equal(pod?.tolerations?.[0].key, 'logs');
  assert.deepEqual(pod?.topologySpreadConstraints?.[0].labelSelector?.matchLabels, d.spec?.selector.matchLabels);
  assert.deepEqual(pod?.containers[0].resources?.limits, { memory: '1Gi', cpu: '2' });
  assert.equal(pod?.containers[0].env?.at(-1)?.name, 'A');
  assert.equal(pod?.volumes?.find((v) => v.name === 'data')?.emptyDir?.sizeLimit, '2Gi');
  assert.deepEqual(pod?.containers[0].volumeMounts?.find((m) => m.name === 'data'), { name: 'data', mountPath: '/var/lib/zlog' });
  assert.equal(d.spec?.template.metadata?.annotations?.['x/y'], 'z');
});

test('the preStop script is valid JavaScript and drains through the loopback admin port, not the metrics port', () => {
  assert.doesNotThrow(() => new Function(preStopScript(ADMIN_PORT, 25)));
  const d = buildDeployment(owner, specOf({ metricsPort: 9100 }), 'h');
  const hook = d.spec?.template.spec?.containers[0].lifecycle?.preStop?.exec?.command?.join(' ') ?? '';
  assert.match(hook, new RegExp(`http://127\\.0\\.0\\.1:${ADMIN_PORT}'`));
  assert.doesNotMatch(hook, /9100/);
});

test('the pod template carries a hash of itself: equal for equal templates, new for any template change, not for replicas', () => {
  const hashOf = (spec: Parameters<typeof specOf>[0], configHash = 'abc123') => buildDeployment(owner, specOf(spec), configHash).spec?.template.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION];
  const base = hashOf({});
  assert.match(base ?? '', /^[0-9a-f]{16}$/);
  assert.equal(hashOf({}), base);
  assert.equal(hashOf({ replicas: 3 }), base, 'replicas are not in the template');
  assert.notEqual(hashOf({ image: 'other/image:2' }), base);
  assert.notEqual(hashOf({}, 'def456'), base, 'a new config hash is a new template');
  assert.notEqual(hashOf({ podAnnotations: { a: 'b' } }), base);
});
