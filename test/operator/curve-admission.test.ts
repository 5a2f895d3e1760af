// The collector pod with CURVE keys mounted, as the operator renders it, against a real kube-apiserver: the Pod
// is admitted in a namespace enforcing Pod Security "restricted", its Secret and ConfigMap volumes resolve, and
// the NetworkPolicy the operator renders is accepted by the API server's own validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { validateSpec } from '../../operator/api/validate.js';
import { buildDeployment } from '../../operator/manifests/deployment.js';
import { buildNetworkPolicy } from '../../operator/manifests/networkpolicy.js';
import { formatCertificate } from '../../collector/security/zcert.js';
import { useCluster } from '../cluster/harness.js';

const NS = 'secure';
const owner = { apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', name: 'demo', namespace: NS, uid: '00000000-0000-4000-8000-000000000001' };

test('a CURVE LogServer pod is admitted under Pod Security enforce=restricted; its NetworkPolicy is valid', { timeout: 300_000 }, async (t) => {
  const c = await useCluster(t, { name: 'curve-admission' });
  await c.createNamespace(NS, { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
  const [server, client] = [curveKeyPair(), curveKeyPair()];
  const apply = async (obj: object) => {
    const r = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(obj) });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Warning/, r.stderr);
  };
  await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'zlog-server-key', namespace: NS }, stringData: { 'server.key_secret': formatCertificate(server), 'server.key': formatCertificate({ publicKey: server.publicKey }) } });
  await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'zlog-client-keys', namespace: NS }, data: { 'web.key': formatCertificate({ publicKey: client.publicKey }) } });

  const spec = validateSpec({ security: { curve: { serverKeySecret: 'zlog-server-key', clientKeys: { configMap: 'zlog-client-keys' } }, networkPolicy: { metricsNamespace: 'monitoring' } } });
  assert.ok(spec.ok, JSON.stringify(!spec.ok && spec.errors));
  const dep = buildDeployment(owner, spec.spec, 'h');
  const template = dep.spec!.template;
  // The Pod the ReplicaSet would create from the template (no controllers run here, so create it directly:
  // Pod Security admission judges Pods, and only warns on Deployments).
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'demo-0', namespace: NS, labels: template.metadata!.labels }, spec: { ...template.spec, serviceAccountName: undefined, automountServiceAccountToken: false } });
  const pod = JSON.parse(await c.kubectlOk(['get', 'pod', 'demo-0', '-n', NS, '-o', 'json'])) as { spec: { volumes: Array<{ name: string }> ; containers: Array<{ volumeMounts: Array<{ name: string; readOnly?: boolean }> }> } };
  assert.deepEqual(pod.spec.containers[0].volumeMounts.filter((m) => m.name.startsWith('curve-')).map((m) => [m.name, m.readOnly]), [['curve-server', true], ['curve-clients', true]]);
  // The same pod spec with a privileged container is refused: the namespace really enforces the profile.
  const bad = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad', namespace: NS }, spec: { ...template.spec, serviceAccountName: undefined, containers: [{ ...template.spec!.containers[0], securityContext: { privileged: true } }] } }) });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /violates PodSecurity "restricted:latest"/);

  await apply(buildNetworkPolicy(owner, spec.spec));
  const np = JSON.parse(await c.kubectlOk(['get', 'networkpolicy', 'demo', '-n', NS, '-o', 'json'])) as { spec: { ingress: Array<{ from: unknown[]; ports: Array<{ port: number }> }> } };
  assert.deepEqual(np.spec.ingress.map((r) => r.ports.map((p) => p.port)), [[5555, 5556, 5557], [9090]]);
  assert.equal(np.spec.ingress[1].from.length, 2, 'own namespace and monitoring');
});
