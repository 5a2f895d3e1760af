// The real node: a kubelet with containerd runs the project's collector image as a real container, whose
// httpGet readiness probe the kubelet calls, whose preStop hook the kubelet runs on delete, into which
// `kubectl exec` reaches; a pod reaches the API server through the `kubernetes` Service (kube-proxy); a pod
// has no default route; and stop() leaves nothing behind on the machine (namespace, links, chains,
// cgroups, mounts, processes, record). Also: a node whose owner was SIGKILLed is swept by the next start.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isAlive, startCluster, type Cluster } from './harness.js';
import { loadProjectImages } from './images.js';
import { NODE_REGISTRY, type NodeRecord } from './node.js';

function leftovers(r: NodeRecord): string[] {
  const left: string[] = [];
  if (existsSync(`/run/netns/${r.netns}`)) left.push(`netns ${r.netns}`);
  if (existsSync(`/sys/class/net/${r.hostLink}`)) left.push(`link ${r.hostLink}`);
  for (const h of ['cpu', 'memory', 'pids', 'freezer']) {
    if (existsSync(`/sys/fs/cgroup/${h}${r.cgroupRoot}`)) left.push(`cgroup ${h}${r.cgroupRoot}`);
  }
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(r.dir)) left.push(`mounts under ${r.dir}`);
  if (existsSync(`${NODE_REGISTRY}/${r.id}.json`)) left.push('registry record');
  if (existsSync(r.dir)) left.push(`dir ${r.dir}`);
  return left;
}

async function podJson(c: Cluster, ns: string, name: string): Promise<{ status: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> } }> {
  return JSON.parse(await c.kubectlOk(['get', 'pod', name, '-n', ns, '-o', 'json'])) as never;
}

test('a real node runs real containers: probes, preStop, exec, Services, no route off the machine, clean teardown', { timeout: 600_000 }, async (t) => {
  const c = await startCluster({ name: 'node', realNode: true });
  t.after(() => c.stop());
  const node = c.node!;
  assert.ok(node, 'the cluster has a real node');
  assert.equal(c.nodes[0], 'node-node');
  const refs = await loadProjectImages(c);

  await c.createNamespace('probe');
  // The image runs as 65532: the preStop hook's directory on the host must be writable for it.
  mkdirSync(`${c.dir}/prestop-probe`, { mode: 0o777 });
  chmodSync(`${c.dir}/prestop-probe`, 0o777);
  // A container whose readiness follows a file: the kubelet's httpGet probe must see the change.
  const server = [
    "const http=require('http'),fs=require('fs');",
    "http.createServer((q,s)=>{const ok=!fs.existsSync('/tmp/unready');s.writeHead(ok?200:503);s.end(ok?'ok':'no')}).listen(8080);",
    "process.on('SIGTERM',()=>process.exit(0));",
  ].join('');
  await c.apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'probe', labels: { app: 'web' } },
    spec: {
      terminationGracePeriodSeconds: 20,
      containers: [{
        name: 'web',
        image: refs.collector,
        imagePullPolicy: 'Never',
        command: ['node', '-e', server],
        ports: [{ containerPort: 8080, name: 'http' }],
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
        lifecycle: { preStop: { exec: { command: ['node', '-e', "require('fs').writeFileSync('/data/prestop', String(Date.now()))"] } } },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      }],
      volumes: [{ name: 'data', hostPath: { path: `${c.dir}/prestop-probe`, type: 'Directory' } }],
    },
  });
  await c.kubectlOk(['wait', '-n', 'probe', '--for=condition=Ready', 'pod/web', '--timeout=180s'], { timeoutMs: 190_000 });
  const pod = await podJson(c, 'probe', 'web');
  assert.ok(pod.status.podIP?.startsWith(node.podSubnet.split('.').slice(0, 3).join('.') + '.'), `pod IP ${pod.status.podIP} in ${node.podSubnet}`);

  await t.test('kubectl exec reaches the container; it has no default route', async () => {
    const routes = await c.kubectlOk(['exec', '-n', 'probe', 'web', '--', 'cat', '/proc/net/route']);
    const dests = routes.trim().split('\n').slice(1).map((l) => l.split('\t')[1]);
    assert.ok(dests.length > 0, routes);
    assert.ok(!dests.includes('00000000'), `a default route in the pod:\n${routes}`);
  });

  await t.test('the readiness probe is really called: a failing endpoint makes the pod NotReady, then Ready again', async () => {
    await c.kubectlOk(['exec', '-n', 'probe', 'web', '--', 'node', '-e', "require('fs').writeFileSync('/tmp/unready','')"]);
    await c.kubectlOk(['wait', '-n', 'probe', '--for=condition=Ready=false', 'pod/web', '--timeout=60s'], { timeoutMs: 70_000 });
    await c.kubectlOk(['exec', '-n', 'probe', 'web', '--', 'node', '-e', "require('fs').rmSync('/tmp/unready')"]);
    await c.kubectlOk(['wait', '-n', 'probe', '--for=condition=Ready', 'pod/web', '--timeout=60s'], { timeoutMs: 70_000 });
  });

  await t.test('a pod reaches the API server through the kubernetes Service and another pod through its Service', async () => {
    await c.apply({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'probe' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const ip = (await c.kubectlOk(['get', 'svc', 'web', '-n', 'probe', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    // kube-proxy programs the Service after its EndpointSlice appears: a few seconds on a loaded machine.
    const get = (url: string): string =>
      `const m=require(${JSON.stringify(url.startsWith('https') ? 'https' : 'http')});` +
      `m.get(${JSON.stringify(url)},{rejectUnauthorized:false,timeout:3000},r=>{console.log(r.statusCode);process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})`;
    let viaSvc = '';
    let viaApi = '';
    for (let i = 0; i < 30; i++) {
      viaSvc = (await c.kubectlOk(['exec', '-n', 'probe', 'web', '--', 'node', '-e', get(`http://${ip}/`)])).trim();
      viaApi = (await c.kubectlOk(['exec', '-n', 'probe', 'web', '--', 'node', '-e', get('https://10.0.0.1/readyz')])).trim();
      if (viaSvc === '200' && /^(200|401|403)$/.test(viaApi)) break;
      await sleep(1000);
    }
    assert.equal(viaSvc, '200', `pod -> Service ${ip}:80 -> pod`);
    // The anonymous request is answered by the API server itself (401/403 without credentials, 200 if allowed).
    assert.match(viaApi, /^(200|401|403)$/, 'pod -> kubernetes Service (10.0.0.1:443) -> API server');
  });

  await t.test('nothing leaves the machine from a pod: an address outside the pod and Service networks is unreachable', async () => {
    const out = (await c.kubectlOk(['exec', '-n', 'probe', 'web', '--', 'node', '-e',
      "require('net').connect({host:'192.0.2.1',port:80,timeout:3000}).on('error',e=>{console.log(e.code);process.exit(0)}).on('timeout',()=>{console.log('TIMEOUT');process.exit(0)}).on('connect',()=>{console.log('CONNECTED');process.exit(0)})"])).trim();
    assert.equal(out, 'ENETUNREACH');
  });

  await t.test('delete runs the preStop hook and the pod is gone', async () => {
    await c.kubectlOk(['delete', 'pod', 'web', '-n', 'probe', '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 });
    assert.ok(existsSync(`${c.dir}/prestop-probe/prestop`), 'the preStop hook wrote its file');
  });

  // A last pod, left running for stop() to delete through the API.
  await c.apply({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'left', namespace: 'probe' },
    spec: { containers: [{ name: 'c', image: refs.collector, imagePullPolicy: 'Never', command: ['node', '-e', "process.on('SIGTERM',()=>process.exit(0));setInterval(()=>{},1e9)"] }] },
  });
  await c.kubectlOk(['wait', '-n', 'probe', '--for=condition=Ready', 'pod/left', '--timeout=120s'], { timeoutMs: 130_000 });
  const pids = Object.values(c.pids);
  await c.stop();
  assert.deepEqual(pids.filter(isAlive), [], 'components still running after stop()');
  assert.deepEqual(leftovers(node), [], 'the node left things on the machine');
});

const holder = fileURLToPath(new URL('./hold-cluster.js', import.meta.url));

test('a node whose owner was SIGKILLed is swept by the next start', { timeout: 400_000 }, async () => {
  const child = spawn(process.execPath, [holder, '--real-node'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let record: NodeRecord;
  try {
    const line = await Promise.race([
      new Promise<string>((r) => createInterface({ input: child.stdout }).once('line', r)),
      exited.then(() => assert.fail(`hold-cluster exited before the cluster was up: ${stderr}`)),
      sleep(240_000, undefined, { ref: false }).then(() => assert.fail('hold-cluster did not report a cluster within 240 s')),
    ]);
    record = (JSON.parse(line) as { node: NodeRecord }).node;
    assert.ok(existsSync(`/run/netns/${record.netns}`));
    child.kill('SIGKILL');
    await exited;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  // The watchdog kills the components; the namespace, link, chain and cgroups stay until the next start.
  await sleep(3000);
  const c = await startCluster({ name: 'sweep', realNode: true });
  try {
    assert.deepEqual(leftovers(record).filter((l) => !l.startsWith('dir ')), [], 'the next start swept the dead node');
  } finally {
    await c.stop();
  }
});
