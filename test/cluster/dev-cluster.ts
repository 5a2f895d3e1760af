// `make dev-cluster`: one local control plane with a Ready kwok node, up until Ctrl-C.
//   node dist/test/cluster/dev-cluster.js [--nodes N] [--no-controllers]
// Ctrl-C (or SIGTERM) stops every component; the harness's signal handling does that.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath } from './bins.js';
import { startCluster } from './harness.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const nodes = Number(arg('--nodes') ?? '1');
  if (!Number.isInteger(nodes) || nodes < 0) throw new Error(`--nodes must be a whole number, got ${arg('--nodes')}`);
  const controllers = !process.argv.includes('--no-controllers');
  const t0 = Date.now();
  console.error(`dev-cluster: starting etcd, kube-apiserver${controllers ? ', kube-controller-manager' : ''}${nodes ? `, kube-scheduler, kwok with ${nodes} node(s)` : ''}...`);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => console.error(`\ndev-cluster: ${sig}, stopping...`));
  const c = await startCluster({ name: 'dev', controllers, kwokNodes: nodes });
  const kubectl = binPath('kubectl');
  // A stable path is handy for a second terminal; the cluster's own directory changes every run.
  const env = join(c.dir, 'env.sh');
  writeFileSync(env, `export KUBECONFIG=${c.kubeconfig}\nexport PATH=${join(kubectl, '..')}:${join(binPath('helm'), '..')}:$PATH\n`);
  console.log(`
dev-cluster: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s. API server ${c.server}, files in ${c.dir}
Components (by PID): ${Object.entries(c.pids).map(([k, v]) => `${k}=${v}`).join(' ')}

In another terminal:
  export KUBECONFIG=${c.kubeconfig}
  ${kubectl} get nodes
or, to put kubectl and helm on PATH too:
  source ${env}

Press Ctrl-C to stop the cluster (its directory is removed).
`);
  // Stay up until a signal: the harness stops the cluster, then the process exits.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: Error) => {
  console.error(`dev-cluster: ${err.message}`);
  process.exit(1);
});
