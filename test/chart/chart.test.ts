// charts/zlog with the real helm: lint is clean, every rendered object validates against the upstream
// schemas (kubernetes-models, @kubernetes-models/prometheus-operator) or the LogServer schema, labels are
// standard, the ClusterRole is exactly the operator's rule list, and bad values fail with a message naming
// the field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Metrics } from '../../collector/observability/metrics.js';
import { validateSpec } from '../../operator/api/validate.js';
import { groupOf, leaderElectionRules, operatorRules } from '../../operator/rbac/rules.js';
import { CHILD_KINDS } from '../../operator/manifests/children.js';
import { chartDir, helm, kubeVersionArgs, renderChart, type RenderedObject } from './helm.js';

const T = { timeout: 120_000 };
// Everything optional switched on; the ServiceMonitor needs the API to be announced.
const ALL_ON = [
  '--set', 'metrics.serviceMonitor.enabled=true',
  '--set', 'metrics.serviceMonitor.labels.release=kube-prometheus-stack',
  '--set', 'grafanaDashboard.enabled=true',
  '--set', 'exampleLogServer.enabled=true',
  '--set', 'operator.replicas=2',
  '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor',
];

type Validator = (obj: RenderedObject) => void;
const validators: Record<string, Validator> = {
  Deployment: (o) => new Deployment(o as never).validate(),
  Service: (o) => new Service(o as never).validate(),
  ServiceAccount: (o) => new ServiceAccount(o as never).validate(),
  ConfigMap: (o) => new ConfigMap(o as never).validate(),
  ClusterRole: (o) => new ClusterRole(o as never).validate(),
  ClusterRoleBinding: (o) => new ClusterRoleBinding(o as never).validate(),
  Role: (o) => new Role(o as never).validate(),
  RoleBinding: (o) => new RoleBinding(o as never).validate(),
  ValidatingAdmissionPolicy: (o) => new ValidatingAdmissionPolicy(o as never).validate(),
  ValidatingAdmissionPolicyBinding: (o) => new ValidatingAdmissionPolicyBinding(o as never).validate(),
  CustomResourceDefinition: (o) => new CustomResourceDefinition(o as never).validate(),
  ServiceMonitor: (o) => new ServiceMonitor(o as never).validate(),
  LogServer: (o) => {
    const r = validateSpec(o.spec);
    if (!r.ok) throw new Error(`LogServer spec invalid: ${JSON.stringify(r.errors)}`);
  },
};

const byKind = (objs: RenderedObject[], kind: string): RenderedObject[] => objs.filter((o) => o.kind === kind);
const one = (objs: RenderedObject[], kind: string): RenderedObject => {
  const found = byKind(objs, kind);
  assert.equal(found.length, 1, `expected one ${kind}, got ${found.length}`);
  return found[0];
};

interface DeploymentShape {
  spec: { replicas: number; strategy: { type: string }; template: { spec: { containers: Array<{ args: string[]; image: string }> } } };
}
/** The operator's command-line flags (operator/main.ts) as rendered. */
const argsOf = (d: RenderedObject): string[] => (d as unknown as DeploymentShape).spec.template.spec.containers[0].args;

describe('charts/zlog', () => {
  test('helm lint is clean with the default values and with everything switched on', T, async () => {
    // lint cannot announce the ServiceMonitor API, so that one stays off here (rendered in the next test).
    const lintAll = ['--set', 'grafanaDashboard.enabled=true', '--set', 'exampleLogServer.enabled=true', '--set', 'operator.replicas=2'];
    for (const args of [[], lintAll]) {
      const r = await helm(['lint', chartDir(), ...kubeVersionArgs(), ...args]);
      assert.equal(r.code, 0, `helm lint ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stdout, /\[(WARNING|ERROR)\]/, r.stdout);
    }
  });

  test('every rendered object validates against its upstream schema', T, async () => {
    for (const args of [[], ALL_ON]) {
      const objs = await renderChart(args);
      assert.ok(objs.length >= 5, `too few objects rendered: ${objs.map((o) => o.kind).join(', ')}`);
      for (const o of objs) {
        const validate = validators[o.kind];
        assert.ok(validate, `no schema check for kind ${o.kind} (add one to the test)`);
        assert.doesNotThrow(() => validate(o), (e: unknown) => {
          throw new Error(`${o.kind}/${o.metadata.name} with ${args.join(' ') || 'defaults'}: ${(e as Error).message}`);
        });
      }
    }
  });

  test('the default install: operator Deployment, ServiceAccount, ClusterRole/Binding, leader-election Role/Binding, metrics Service, the CRD, the admission policy', T, async () => {
    const objs = await renderChart();
    assert.deepEqual(objs.map((o) => o.kind).sort(), [
      'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount',
      'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
    ]);
    // The binding names the policy the chart renders (both named after the release).
    const vap = one(objs, 'ValidatingAdmissionPolicy');
    assert.equal((one(objs, 'ValidatingAdmissionPolicyBinding') as unknown as { spec: { policyName: string } }).spec.policyName, vap.metadata.name);
    assert.equal(vap.metadata.name, 'zlog-operator-logserver-spec');
    assert.ok(!byKind(await renderChart(['--set', 'admissionPolicy.create=false']), 'ValidatingAdmissionPolicy').length, 'admissionPolicy.create=false leaves it out');
    const crd = one(objs, 'CustomResourceDefinition');
    assert.equal(crd.metadata.name, 'logservers.logging.zlog.dev');
    const dep = one(objs, 'Deployment');
    assert.ok(argsOf(dep).includes('--no-leader-elect'), argsOf(dep).join(' '));
    assert.ok(argsOf(dep).includes('--metrics-bind-address=0.0.0.0:8080'));
    // One replica without leader election: the old pod must stop before the new one starts.
    assert.equal((dep as unknown as DeploymentShape).spec.strategy.type, 'Recreate');
    assert.equal((dep as unknown as DeploymentShape).spec.template.spec.containers[0].image, 'ghcr.io/zlog/operator:0.1.0');
    const binding = one(objs, 'ClusterRoleBinding') as unknown as { subjects: Array<{ name: string; namespace: string }> };
    const sa = one(objs, 'ServiceAccount');
    assert.deepEqual(binding.subjects.map((s) => [s.name, s.namespace]), [[sa.metadata.name, 'zlog-system']]);
  });

  test('leader election follows replicas, and can be forced', T, async () => {
    const two = one(await renderChart(['--set', 'operator.replicas=2']), 'Deployment');
    assert.ok(argsOf(two).includes('--leader-elect'));
    assert.equal((two as unknown as DeploymentShape).spec.strategy.type, 'RollingUpdate');
    const forced = one(await renderChart(['--set', 'operator.leaderElection.enabled=true']), 'Deployment');
    assert.ok(argsOf(forced).includes('--leader-elect'));
    await assert.rejects(
      renderChart(['--set', 'operator.replicas=3', '--set', 'operator.leaderElection.enabled=false']),
      /needs leader election/,
    );
  });

  test('the ClusterRole is exactly the operator rule list (operator/rbac/rules.ts)', T, async () => {
    const objs = await renderChart();
    const role = one(objs, 'ClusterRole') as unknown as { rules: unknown[] };
    assert.deepEqual(role.rules, operatorRules.map((r) => ({ ...r })));
    // The Lease only in the release namespace, through a Role.
    const lease = one(objs, 'Role') as unknown as { rules: unknown[]; metadata: { namespace?: string } };
    assert.deepEqual(lease.rules, leaderElectionRules.map((r) => ({ ...r })));
    assert.ok(lease.metadata.namespace, 'the Role is namespaced');
    assert.equal(one(objs, 'RoleBinding').metadata.namespace, lease.metadata.namespace);
  });

  test('the ClusterRole grants every verb each child kind in the table needs', T, async () => {
    const role = one(await renderChart(), 'ClusterRole') as unknown as { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
    for (const k of CHILD_KINDS) {
      for (const verb of k.verbs) {
        const granted = role.rules.some((r) => r.apiGroups.includes(groupOf(k.apiVersion)) && r.resources.includes(k.plural) && r.verbs.includes(verb));
        assert.ok(granted, `the chart's ClusterRole does not grant ${verb} on ${k.plural} (${k.apiVersion}): run make generate`);
      }
    }
  });

  test('standard labels on every object, and commonLabels reach them all', T, async () => {
    const objs = await renderChart([...ALL_ON, '--set', 'commonLabels.team=logging']);
    for (const o of objs) {
      if (o.kind === 'CustomResourceDefinition') continue; // generated from the schema, not templated
      const l = o.metadata.labels ?? {};
      for (const key of ['helm.sh/chart', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by']) {
        assert.ok(l[key], `${o.kind}/${o.metadata.name} lacks label ${key}`);
      }
      assert.equal(l['app.kubernetes.io/managed-by'], 'Helm');
      assert.equal(l.team, 'logging', `${o.kind}/${o.metadata.name} lacks commonLabels`);
    }
  });

  test('the operator ServiceMonitor selects the metrics Service by its labels and named port, with the user labels', T, async () => {
    const objs = await renderChart(ALL_ON);
    const sm = one(objs, 'ServiceMonitor') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> };
    };
    assert.equal(sm.metadata.labels.release, 'kube-prometheus-stack');
    const svc = one(objs, 'Service') as unknown as { metadata: { labels: Record<string, string> }; spec: { ports: Array<{ name: string }> } };
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v, `Service label ${k}`);
    assert.deepEqual(sm.spec.endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
    assert.ok(svc.spec.ports.some((p) => p.name === 'metrics'));
    // Without the CRD announced, the chart refuses instead of failing later in the API server.
    await assert.rejects(renderChart(['--set', 'metrics.serviceMonitor.enabled=true']), /no monitoring\.coreos\.com\/v1 ServiceMonitor CRD/);
  });

  test('the Grafana dashboard ConfigMap carries the sidecar label and charts only metrics the collector exports', T, async () => {
    const cm = one(await renderChart(ALL_ON), 'ConfigMap') as unknown as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    assert.equal(cm.metadata.labels.grafana_dashboard, '1');
    const dash = JSON.parse(cm.data['zlog.json']) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const used = new Set(exprs.flatMap((e) => e.match(/zlog_[a-z_]+/g) ?? []).map((n) => n.replace(/_bucket$/, '')));
    const exported = new Set((await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name));
    for (const name of used) assert.ok(exported.has(name), `dashboard uses ${name}, which the collector does not export`);
    for (const wanted of ['zlog_component_received_events_total', 'zlog_component_discarded_events_total', 'zlog_component_errors_total', 'zlog_buffer_events', 'zlog_ack_latency_seconds', 'zlog_health_check_status', 'zlog_ready', 'zlog_live', 'zlog_memory_limit_bytes', 'zlog_process_resident_memory_bytes']) {
      assert.ok(used.has(wanted), `dashboard has no panel on ${wanted}`);
    }
  });

  test('bad values are rejected with a message naming the field', T, async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'operator.replicas=0'], /operator\/replicas.*minimum/],
      [['--set', 'operator.replica=2'], /additional propert(y|ies) 'replica'/],
      [['--set', 'metrics.serviceMonitor.interval=soon'], /serviceMonitor\/interval/],
      [['--set', 'operator.image.digest=latest'], /image\/digest/],
      [['--set', 'operator.image.pullPolicy=Sometimes'], /pullPolicy/],
      [['--set', 'serviceAccount.create=false'], /serviceAccount/],
      [['--set', 'commonLabels.team=a b'], /commonLabels\/team/],
    ];
    for (const [args, message] of cases) {
      const r = await helm(['template', 'zlog', chartDir(), ...kubeVersionArgs(), ...args]);
      assert.notEqual(r.code, 0, `helm accepted ${args.join(' ')}`);
      assert.match(r.stderr, message, `helm template ${args.join(' ')}: ${r.stderr}`);
    }
  });
  // NOTES are checked where helm renders them for real: test/e2e/helm.test.ts (helm install on the control plane).
});
