// `make dev-cluster`: a local cluster with one real node (containerd + kubelet + kube-proxy; the project's
// images imported into it when `make images` has built them), up until Ctrl-C.
//   node dist/test/cluster/dev-cluster.js [--kwok-nodes N] [--no-images]
// --kwok-nodes adds N fake (kwok) nodes for trying many-node scheduling; their pods never run.
// Ctrl-C (or SIGTERM) deletes the pods through the API, then stops every component and removes the node's
// namespace, links, mounts and cgroups; the harness's signal handling does that.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath } from './bins.js';
import { startCluster } from './harness.js';
import { loadProjectImages, projectImageRefs } from './images.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const kwokNodes = Number(arg('--kwok-nodes') ?? '0');
  if (!Number.isInteger(kwokNodes) || kwokNodes < 0) throw new Error(`--kwok-nodes must be a whole number, got ${arg('--kwok-nodes')}`);
  const t0 = Date.now();
  console.error(`dev-cluster: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, a real node${kwokNodes ? ` and ${kwokNodes} kwok node(s)` : ''}...`);
  // The fixed-place env file goes as soon as the cluster starts going away (the harness ends the process
  // by re-raising the signal, which skips 'exit' handlers).
  const fixedEnv = join(process.cwd(), '.dev-cluster.env');
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      rmSync(fixedEnv, { force: true });
      console.error(`\ndev-cluster: ${sig}, deleting pods and stopping...`);
    });
  }
  const c = await startCluster({ name: 'dev', realNode: true, kwokNodes });
  let images = '';
  if (!process.argv.includes('--no-images')) {
    try {
      const refs = await loadProjectImages(c);
      images = `Images on the node: ${refs.collector}, ${refs.operator}`;
    } catch (err) {
      const refs = await projectImageRefs();
      images = `Images NOT on the node (${(err as Error).message}): run make images, then restart make dev-cluster (${refs.collector}, ${refs.operator})`;
    }
  }
  const kubectl = binPath('kubectl');
  // A stable path is handy for a second terminal; the cluster's own directory changes every run.
  const env = join(c.dir, 'env.sh');
  writeFileSync(env, `export KUBECONFIG=${c.kubeconfig}\nexport PATH=${join(kubectl, '..')}:${join(binPath('helm'), '..')}:$PATH\n`);
  // The same file at a fixed place, for the tour (docs/tour-kubernetes.md).
  writeFileSync(fixedEnv, `# written by make dev-cluster; removed when it stops\nexport KUBECONFIG=${c.kubeconfig}\nexport PATH=${join(kubectl, '..')}:${join(binPath('helm'), '..')}:$PATH\n`);
  process.on('exit', () => rmSync(fixedEnv, { force: true }));
  console.log(`
dev-cluster: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s. API server ${c.server}, files in ${c.dir}
Nodes: ${c.nodes.join(', ')} (pod subnet ${c.node?.podSubnet}, no route off this machine)
${images}
Components (by PID): ${Object.entries(c.pids).map(([k, v]) => `${k}=${v}`).join(' ')}

In another terminal, from this directory:
  source .dev-cluster.env
  kubectl get nodes

Press Ctrl-C to stop the cluster (pods deleted, node removed, its directory removed).
`);
  // Stay up until a signal: the harness stops the cluster, then the process exits.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: Error) => {
  console.error(`dev-cluster: ${err.message}`);
  process.exit(1);
});
