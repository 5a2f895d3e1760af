// The API server alone is a real one: CRDs with OpenAPI and CEL validation and a status
// subresource, PodSecurity admission, and RBAC for ServiceAccounts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { binPath, versions } from './bins.js';
import { startCluster, type Cluster } from './harness.js';

let c: Cluster;

before(async () => {
  c = await startCluster({ name: 'apiserver' });
}, { timeout: 180_000 });

after(async () => {
  await c?.stop();
});

const apply = (obj: object): Promise<string> => c.apply(obj);

describe('kube-apiserver', { timeout: 300_000 }, () => {
  test('reports the pinned version and serves over TLS with the admin certificate', { timeout: 30_000 }, async () => {
    const v = JSON.parse(await c.kubectlOk(['version', '-o', 'json']));
    assert.equal(v.serverVersion.gitVersion, versions().KUBERNETES_VERSION);
    assert.match(c.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    const who = JSON.parse(await c.kubectlOk(['auth', 'whoami', '-o', 'json']));
    assert.ok(who.status.userInfo.groups.includes('system:masters'), JSON.stringify(who));
  });

  test('helm installs a chart whose kubeVersion constraint needs the real server version', { timeout: 60_000 }, async () => {
    const chart = join(c.dir, 'chart');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\nkubeVersion: ">=1.30.0-0"\n');
    await writeFile(join(chart, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n');
    const helm = (args: string[]) =>
      promisify(execFile)(binPath('helm'), [...args, '--kubeconfig', c.kubeconfig], {
        timeout: 50_000,
        env: { ...process.env, HELM_CACHE_HOME: join(c.dir, 'helm/cache'), HELM_CONFIG_HOME: join(c.dir, 'helm/config'), HELM_DATA_HOME: join(c.dir, 'helm/data') },
      });
    await helm(['install', 'probe', chart, '--namespace', 'default', '--wait', '--timeout', '40s']);
    const got = await c.kubectlOk(['get', 'configmap', 'probe', '-n', 'default', '-o', 'jsonpath={.data.kube}']);
    assert.equal(got, versions().KUBERNETES_VERSION);
    const { stdout } = await helm(['list', '-n', 'default', '-o', 'json']);
    assert.equal(JSON.parse(stdout)[0].status, 'deployed');
  });

  describe('a CustomResourceDefinition', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.test.zlog.dev' },
      spec: {
        group: 'test.zlog.dev',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['replicas'],
                    properties: {
                      replicas: { type: 'integer', minimum: 0, maximum: 10 },
                      minReplicas: { type: 'integer' },
                    },
                    'x-kubernetes-validations': [
                      { rule: '!has(self.minReplicas) || self.minReplicas <= self.replicas', message: 'minReplicas must not exceed replicas' },
                    ],
                  },
                  status: { type: 'object', properties: { phase: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
    };
    const widget = (spec: object, status?: object): object => ({
      apiVersion: 'test.zlog.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'default' },
      spec,
      ...(status ? { status } : {}),
    });

    before(async () => {
      await apply(crd);
      await c.kubectlOk(['wait', '--for=condition=Established', 'crd/widgets.test.zlog.dev', '--timeout=60s'], { timeoutMs: 70_000 });
    });

    test('is served', { timeout: 30_000 }, async () => {
      const res = await c.kubectlOk(['api-resources', '--api-group=test.zlog.dev', '-o', 'name']);
      assert.equal(res.trim(), 'widgets.test.zlog.dev');
      await apply(widget({ replicas: 3 }));
      const got = JSON.parse(await c.kubectlOk(['get', 'widget', 'w1', '-o', 'json']));
      assert.equal(got.spec.replicas, 3);
    });

    test('rejects objects that break its OpenAPI schema', { timeout: 30_000 }, async () => {
      const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(widget({ replicas: 11 })) });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /spec\.replicas: Invalid value: 11: spec\.replicas in body should be less than or equal to 10/);
      const missing = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(widget({})) });
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /spec\.replicas: Required value/);
    });

    test('rejects objects that break its CEL rule', { timeout: 30_000 }, async () => {
      const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(widget({ replicas: 2, minReplicas: 5 })) });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /minReplicas must not exceed replicas/);
    });

    test('keeps status apart from spec', { timeout: 30_000 }, async () => {
      // Through the main resource, a status change is dropped...
      await c.kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=spec-writer', '-f', '-'], {
        input: JSON.stringify(widget({ replicas: 4 }, { phase: 'Ignored' })),
      });
      let got = JSON.parse(await c.kubectlOk(['get', 'widget', 'w1', '-o', 'json']));
      assert.equal(got.spec.replicas, 4);
      assert.equal(got.status?.phase, undefined);
      // ...and through /status, a spec change is dropped while status is stored.
      await c.kubectlOk(['patch', 'widget', 'w1', '--subresource=status', '--type=merge', '-p',
        JSON.stringify({ spec: { replicas: 9 }, status: { phase: 'Ready' } })]);
      got = JSON.parse(await c.kubectlOk(['get', 'widget', 'w1', '-o', 'json']));
      assert.equal(got.status.phase, 'Ready');
      assert.equal(got.spec.replicas, 4);
    });
  });

  describe('PodSecurity admission', () => {
    const pod = (name: string, privileged: boolean): object => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'restricted' },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'app',
            image: 'example.invalid/app:1',
            securityContext: privileged
              ? { privileged: true }
              : { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    });

    before(async () => {
      await c.createNamespace('restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    });

    test('rejects a privileged Pod in a restricted namespace', { timeout: 30_000 }, async () => {
      const r = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod('bad', true)) });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /pods "bad" is forbidden: violates PodSecurity "restricted:latest"/);
      assert.match(r.stderr, /privileged \(container "app" must not set securityContext\.privileged=true\)/);
      const list = await c.kubectlOk(['get', 'pods', '-n', 'restricted', '-o', 'name']);
      assert.equal(list.trim(), '');
    });

    test('admits a compliant Pod there', { timeout: 30_000 }, async () => {
      const r = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod('good', false)) });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Warning/);
      assert.equal((await c.kubectlOk(['get', 'pods', '-n', 'restricted', '-o', 'name'])).trim(), 'pod/good');
    });
  });

  describe('RBAC for a ServiceAccount with a narrow Role', () => {
    const sa = 'system:serviceaccount:rbac:narrow';

    before(async () => {
      await c.createNamespace('rbac');
      await c.createNamespace('elsewhere');
      await c.kubectlOk(['create', 'serviceaccount', 'narrow', '-n', 'rbac']);
      await c.kubectlOk(['create', 'role', 'cm-reader', '-n', 'rbac', '--verb=get,list,watch', '--resource=configmaps']);
      await c.kubectlOk(['create', 'rolebinding', 'narrow-cm-reader', '-n', 'rbac', '--role=cm-reader', '--serviceaccount=rbac:narrow']);
      await c.kubectlOk(['create', 'configmap', 'c1', '-n', 'rbac', '--from-literal=k=v']);
      await c.kubectlOk(['create', 'configmap', 'c2', '-n', 'elsewhere', '--from-literal=k=v']);
    });

    test('impersonated, it may do what the Role grants', { timeout: 30_000 }, async () => {
      const out = await c.kubectlOk(['get', 'configmap', 'c1', '-n', 'rbac', '-o', 'jsonpath={.data.k}'], { asUser: sa });
      assert.equal(out, 'v');
    });

    test('impersonated, it is refused outside the Role', { timeout: 30_000 }, async () => {
      const cases: [string[], RegExp][] = [
        [['delete', 'configmap', 'c1', '-n', 'rbac'], /cannot delete resource "configmaps" in API group "" in the namespace "rbac"/],
        [['get', 'configmap', 'c2', '-n', 'elsewhere'], /cannot get resource "configmaps" in API group "" in the namespace "elsewhere"/],
        [['get', 'secrets', '-n', 'rbac'], /cannot list resource "secrets" in API group "" in the namespace "rbac"/],
        [['get', 'namespaces'], /cannot list resource "namespaces" in API group "" at the cluster scope/],
      ];
      for (const [args, msg] of cases) {
        const r = await c.kubectl(args, { asUser: sa });
        assert.notEqual(r.code, 0, `${args.join(' ')} was allowed`);
        assert.match(r.stderr, /Forbidden/);
        assert.match(r.stderr, msg);
        assert.ok(r.stderr.includes(`User "${sa}"`), r.stderr);
      }
      assert.equal((await c.kubectl(['auth', 'can-i', 'delete', 'configmaps', '-n', 'rbac'], { asUser: sa })).stdout.trim(), 'no');
    });

    test('with its own token (no impersonation), the same rules hold', { timeout: 30_000 }, async () => {
      const kubeconfig = await c.writeKubeconfigFor({ serviceAccount: { namespace: 'rbac', name: 'narrow' } });
      const who = JSON.parse(await c.kubectlOk(['auth', 'whoami', '-o', 'json'], { kubeconfig }));
      assert.equal(who.status.userInfo.username, sa);
      assert.equal(await c.kubectlOk(['get', 'configmap', 'c1', '-n', 'rbac', '-o', 'jsonpath={.data.k}'], { kubeconfig }), 'v');
      const r = await c.kubectl(['get', 'configmap', 'c2', '-n', 'elsewhere'], { kubeconfig });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Forbidden/);
    });

    test('a client certificate for a user without bindings is authenticated but refused', { timeout: 30_000 }, async () => {
      const kubeconfig = await c.writeKubeconfigFor({ user: 'alice', groups: ['zlog-devs'] });
      const who = JSON.parse(await c.kubectlOk(['auth', 'whoami', '-o', 'json'], { kubeconfig }));
      assert.equal(who.status.userInfo.username, 'alice');
      assert.ok(who.status.userInfo.groups.includes('zlog-devs'));
      const r = await c.kubectl(['get', 'configmaps', '-n', 'rbac'], { kubeconfig });
      assert.match(r.stderr, /User "alice" cannot list resource "configmaps"/);
    });
  });
});
