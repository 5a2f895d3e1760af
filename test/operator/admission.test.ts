// The chart's ValidatingAdmissionPolicy against a real kube-apiserver: a LogServer whose
// spec.pipeline.queue.maxBytes does not fit its memory limit is refused at admission (create and update), with
// a message naming the field, and a LogServer that fits is admitted; so is a memory limit below the collector's
// floor (a pod that could never be Ready). The rules the CRD's CEL cannot afford (operator/api/rules.ts) are the
// ones the policy carries.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { useCluster, type Cluster } from '../cluster/harness.js';
import { renderChart } from '../chart/helm.js';
import { repoRoot, logServer, until, getJson } from './env.js';

const NS = 'adm';
const MiB = 1024 * 1024;

/** kubectl create (or with dryRun, a server-side dry run, which runs admission too) of one LogServer. */
function create(c: Cluster, obj: object, dryRun = false) {
  return c.kubectl(['create', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], { input: JSON.stringify(obj) });
}

const sized = (name: string, limit: string | number, maxBytes: number) =>
  logServer(name, NS, { resources: { limits: { memory: limit } }, pipeline: { queue: { maxBytes } } });

test('the chart\'s admission policy refuses a queue larger than the memory limit and a limit below the floor, naming the field', { timeout: 300_000 }, async (t) => {
  // controllers: kube-controller-manager's policy status controller writes the type-checking result.
  const c = await useCluster(t, { name: 'op-admission', controllers: true });
  await c.kubectlOk(['apply', '-f', join(repoRoot(), 'crds/logging.zlog.dev_logservers.yaml')]);
  await c.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/logservers.logging.zlog.dev'], { timeoutMs: 70_000 });
  await c.createNamespace(NS);
  const policy = (await renderChart()).filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy'));
  assert.equal(policy.length, 2, 'the chart renders the policy and its binding');
  await c.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: policy }) });

  const tooBig = sized('too-big', '160Mi', 160 * MiB);
  // The API server compiles a new policy in the background: wait (bounded) until a dry run is refused.
  const refused = await until('the policy to take effect', 60_000, async () => {
    const r = await create(c, tooBig, true);
    return r.code !== 0 ? r : undefined;
  }, 500);
  assert.match(refused.stderr, /spec\.pipeline\.queue\.maxBytes: pipeline\.queue\.maxBytes must be less than resources\.limits\.memory/, refused.stderr);
  assert.match(refused.stderr, /ValidatingAdmissionPolicy/, refused.stderr);

  // For real: refused, and nothing was stored.
  const r = await create(c, tooBig);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec\.pipeline\.queue\.maxBytes/, r.stderr);
  assert.match((await c.kubectl(['get', 'logserver', 'too-big', '-n', NS])).stderr, /NotFound/);
  // A limit given as a plain integer is a quantity too.
  const int = await create(c, sized('int-limit', 160 * MiB, 160 * MiB));
  assert.notEqual(int.code, 0);
  assert.match(int.stderr, /spec\.pipeline\.queue\.maxBytes/, int.stderr);

  // A queue that fits is admitted, and so are specs that leave either side unset (the operator derives the queue).
  for (const ok of [sized('fits', '160Mi', 32 * MiB), sized('fits-int', 160 * MiB, 160 * MiB - 1), logServer('no-limit', NS, { pipeline: { queue: { maxBytes: 512 * MiB } } }), logServer('no-queue', NS, { resources: { limits: { memory: '160Mi' } } })]) {
    const a = await create(c, ok);
    assert.equal(a.code, 0, `${JSON.stringify(ok.spec)}: ${a.stderr}`);
  }
  // A memory limit under the collector's floor (a pod that could never be Ready) is refused, naming the field and
  // the floor, as a quantity or as an integer, and nothing is stored.
  for (const [name, memory] of [['tiny', '128Mi'], ['tiny-int', 100 * MiB]] as const) {
    const tiny = await create(c, logServer(name, NS, { resources: { limits: { memory } } }));
    assert.notEqual(tiny.code, 0, name);
    assert.match(tiny.stderr, /spec\.resources\.limits\.memory: resources\.limits\.memory must be at least 160Mi/, tiny.stderr);
    assert.match((await c.kubectl(['get', 'logserver', name, '-n', NS])).stderr, /NotFound/);
  }
  // An update that makes an admitted object too big is refused too, and the stored object is unchanged.
  const patch = await c.kubectl(['patch', 'logserver', 'fits', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { pipeline: { queue: { maxBytes: 256 * MiB } } } })]);
  assert.notEqual(patch.code, 0);
  assert.match(patch.stderr, /spec\.pipeline\.queue\.maxBytes/, patch.stderr);
  assert.equal((await getJson(c, ['get', 'logserver', 'fits', '-n', NS])).spec.pipeline.queue.maxBytes, 32 * MiB);

  // The expressions type-check against the CRD's schema (the controller-manager reports warnings in the status).
  const vap = await until('the policy status', 60_000, async () => {
    const p = await getJson(c, ['get', 'validatingadmissionpolicy', policy[0].metadata.name]);
    return p.status?.typeChecking ? p : undefined;
  });
  assert.deepEqual(vap.status.typeChecking.expressionWarnings ?? [], []);
});
