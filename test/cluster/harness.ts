// A real, dockerless Kubernetes cluster for tests: etcd, kube-apiserver and optionally
// kube-controller-manager, kube-scheduler, one real node (containerd + kubelet + kube-proxy in a network
// namespace of its own, see node.ts) and kwok (fake nodes, for tests that need many), on 127.0.0.1 (or the
// node link's host address) and random free ports, in a temporary directory of their own. Binaries come
// from build-bins.sh (see bins.ts).
//
// Every process is tracked by PID and killed by PID: on stop(), on a failed start, on SIGINT/SIGTERM/
// SIGHUP, on process exit, and by a small watchdog if this process is SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { Readable } from 'node:stream';
import { freePort as freeLoopbackPort } from '../helpers/net.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { binPath, checkExecutable, kwokStagesPath, pauseImage, type BinName } from './bins.js';
import {
  cniConfig,
  containerdConfig,
  createCgroupRoot,
  createNodeNetwork,
  ensureDirs,
  inNetns,
  kubeletConfig,
  planNode,
  saveRecord,
  sweepLeftoverNodes,
  teardownNode,
  type NodeRecord,
} from './node.js';
import { base64Of, issue, makeCA, makeServiceAccountKey, type KeyPair } from './pki.js';
import { localStorage } from './storage.js';

export type Component =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'containerd'
  | 'kubelet'
  | 'kube-proxy'
  | 'coredns';

export interface ClusterOptions {
  /** Run kube-controller-manager (deployments, replicasets, garbage collection, service-account tokens...). */
  controllers?: boolean;
  /** Run kube-scheduler. Defaults to true when kwokNodes > 0, since kwok only handles bound Pods. */
  scheduler?: boolean;
  /** Start kwok and create this many fake Nodes (kwok-node-0, kwok-node-1, ...), and wait for them to be Ready. */
  kwokNodes?: number;
  /**
   * Start one real node (<name>-node): containerd, kubelet and kube-proxy, which run real containers.
   * Implies controllers and scheduler; needs root. The API server then listens on the node link's host
   * address (cluster.server says which) so that pods reach it through the `kubernetes` Service.
   */
  realNode?: boolean;
  /** Used in the temporary directory's and kubeconfig context's names. */
  name?: string;
  /** How long each component may take to become ready (default 90 s; a cold page cache on 2 cores is slow). */
  readyTimeoutMs?: number;
  /** Explicit binary paths, e.g. to test a missing binary. Otherwise binPath() (and its ZLOG_BIN_* overrides). */
  bins?: Partial<Record<BinName, string>>;
  /** Explicit ports (otherwise random free ones), e.g. to test a port that is already taken. */
  ports?: Partial<Record<'etcd' | 'etcdPeer' | 'apiserver' | 'controllerManager' | 'scheduler', number>>;
  /** Extra command-line flags per component, appended after the harness's own. */
  extraArgs?: Partial<Record<Component, string[]>>;
  /** Keep the directory (logs, certificates, kubeconfigs) after stop(). Also ZLOG_KEEP_CLUSTER_DIR=1. */
  keepDir?: boolean;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  /** kubectl's stdin: all at once, or a stream piped as it is produced (a sender pod fed for as long as a test runs). */
  input?: string | Readable;
  /** Impersonate this user (e.g. system:serviceaccount:ns:name) through the admin identity. */
  asUser?: string;
  asGroups?: string[];
  /** Use this kubeconfig instead of the admin one. */
  kubeconfig?: string;
  timeoutMs?: number;
}

export type Identity =
  | { user: string; groups?: string[] }
  | { serviceAccount: { namespace: string; name: string }; expirationSeconds?: number }
  | { token: string };

export interface Cluster {
  readonly name: string;
  /** Path of the admin (system:masters) kubeconfig. */
  readonly kubeconfig: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly dir: string;
  /** PEM file of the CA that signed the API server's certificate and all client certificates. */
  readonly caFile: string;
  /** PIDs of the running components. */
  readonly pids: Readonly<Partial<Record<Component, number>>>;
  /** Names of the Nodes: the real one first (if any), then kwok's. */
  readonly nodes: readonly string[];
  /** The real node's network and names (undefined without realNode). */
  readonly node: NodeRecord | undefined;
  /** `ctr` against the real node's containerd, in its k8s.io namespace (where the kubelet's images live). */
  ctr(args: string[]): Promise<KubectlResult>;
  /**
   * Imports a docker-archive image tar into the real node's containerd (`ctr images import`), so that pods
   * with imagePullPolicy Never/IfNotPresent run it. Returns the image references imported.
   */
  importImage(tarFile: string): Promise<string[]>;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Like kubectl() but throws, with stderr, when the exit code is not 0. Returns stdout. */
  kubectlOk(args: string[], opts?: KubectlOptions): Promise<string>;
  /** `kubectl apply` of objects (sent as a List) or of YAML/JSON text; throws with kubectl's stderr. */
  apply(manifest: object | object[] | string, opts?: KubectlOptions & { serverSide?: boolean }): Promise<string>;
  /**
   * Writes a kubeconfig that authenticates as someone else, for real (no impersonation): a client
   * certificate for a user and groups, a TokenRequest token for a ServiceAccount, or a given token.
   */
  writeKubeconfigFor(who: Identity, file?: string): Promise<string>;
  /** Creates a namespace; with controllers, waits until its default ServiceAccount exists (Pods need it). */
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  /** A component's log so far (for assertion messages). */
  logOf(component: Component): string;
  stop(): Promise<void>;
}

/** A start that failed; every process it had started is gone by the time this is thrown. */
export class ClusterStartError extends Error {
  constructor(
    message: string,
    readonly component: Component | 'harness',
    readonly dir: string,
    readonly startedPids: readonly number[],
    /** The component exited because a port it was given was taken. */
    readonly portInUse = false,
  ) {
    super(message);
    this.name = 'ClusterStartError';
  }
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping shared by all clusters of this process.

const livePids = new Set<number>();
const liveClusters = new Set<ClusterImpl>();
let hooksInstalled = false;

/** Whether a process with this PID exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killSync(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function installProcessHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' handlers cannot wait: SIGKILL is the only way to be sure nothing outlives us.
  process.on('exit', () => {
    for (const pid of livePids) killSync(pid, 'SIGKILL');
    for (const c of liveClusters) c.teardownNodeSync();
    for (const c of liveClusters) c.removeDirSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      process.removeListener(sig, onSignal);
      // A second signal while stopping takes the default action: immediate exit (and the 'exit' hook).
      const stops = [...liveClusters].map((c) => c.stop().catch(() => undefined));
      // A real node first deletes its pods through the API (their preStop hooks and grace periods run).
      const withNode = [...liveClusters].some((c) => c.node);
      const hardLimit = setTimeout(() => process.kill(process.pid, sig), withNode ? 120_000 : 10_000);
      void Promise.all(stops).then(() => {
        clearTimeout(hardLimit);
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      });
    };
    process.on(sig, onSignal);
  }
}

async function freePort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freeLoopbackPort();
    if (port && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('could not find a free port on 127.0.0.1');
}

interface Proc {
  component: Component;
  child: ChildProcess;
  pid: number;
  logFile: string;
  ports: number[];
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  exited: Promise<void>;
}

function tail(file: string, lines = 25): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

function kubeconfigYaml(name: string, server: string, caData: string, user: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${yamlString(name)}`,
    '  cluster:',
    `    server: ${yamlString(server)}`,
    `    certificate-authority-data: ${caData}`,
    'contexts:',
    `- name: ${yamlString(name)}`,
    '  context:',
    `    cluster: ${yamlString(name)}`,
    `    user: ${yamlString(name + '-user')}`,
    `current-context: ${yamlString(name)}`,
    'users:',
    `- name: ${yamlString(name + '-user')}`,
    '  user:',
    user,
    '',
  ].join('\n');
}

class ClusterImpl implements Cluster {
  kubeconfig = '';
  server = '';
  caFile = '';
  nodes: string[] = [];
  node: NodeRecord | undefined;
  private procs: Proc[] = [];
  private ca!: KeyPair;
  private caData = '';
  private stopping: Promise<void> | undefined;
  private watchdog: ChildProcess | undefined;
  private readonly pidFile: string;
  private readonly ports = new Set<number>();
  private extraFiles = 0;
  private kubectlBin = '';

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly opts: ClusterOptions,
  ) {
    this.pidFile = join(dir, 'pids');
  }

  get pids(): Partial<Record<Component, number>> {
    const out: Partial<Record<Component, number>> = {};
    for (const p of this.procs) if (!p.exit) out[p.component] = p.pid;
    return out;
  }

  logOf(component: Component): string {
    return tail(join(this.dir, `${component}.log`), 10_000);
  }

  // -------------------------------------------------------------------------------------------
  // start

  async start(): Promise<void> {
    const o = this.opts;
    const kwokNodes = o.kwokNodes ?? 0;
    const realNode = o.realNode ?? false;
    const wantScheduler = realNode || (o.scheduler ?? kwokNodes > 0);
    const wantControllers = realNode || (o.controllers ?? false);
    const readyMs = o.readyTimeoutMs ?? 90_000;

    // Resolve every binary first: a missing one must fail before anything is started.
    const need: BinName[] = ['etcd', 'kube-apiserver', 'kubectl'];
    if (wantControllers) need.push('kube-controller-manager');
    if (wantScheduler) need.push('kube-scheduler');
    if (kwokNodes > 0) need.push('kwok');
    if (realNode) need.push('kubelet', 'kube-proxy', 'coredns');
    const bins: Partial<Record<BinName, string>> = {};
    for (const b of need) {
      const given = o.bins?.[b];
      bins[b] = given ? checkExecutable(b, given, 'given in startCluster options') : binPath(b);
    }
    const stages = kwokNodes > 0 ? kwokStagesPath() : '';
    const pause = realNode ? pauseImage() : undefined;
    this.kubectlBin = bins.kubectl!;

    if (realNode) {
      if (process.getuid?.() !== 0) {
        throw new ClusterStartError('a real node needs root (network namespaces, cgroups, mounts)', 'harness', this.dir, []);
      }
      // Nodes of processes that were killed before they could clean up.
      sweepLeftoverNodes();
      this.node = planNode(this.dir);
      createNodeNetwork(this.node);
      createCgroupRoot(this.node);
      ensureDirs(this.node);
    }
    const node = this.node;
    const listenIp = node ? node.hostIp : '127.0.0.1';

    for (const p of Object.values(o.ports ?? {})) if (p) this.ports.add(p);
    const port = async (k: keyof NonNullable<ClusterOptions['ports']>): Promise<number> => o.ports?.[k] ?? (await freePort(this.ports));

    // Certificates.
    this.ca = await makeCA(this.dir);
    this.caFile = this.ca.cert;
    this.caData = await base64Of(this.ca.cert);
    const sans = [...(node ? [`IP:${node.hostIp}`] : []), 'IP:127.0.0.1', 'DNS:localhost', 'IP:10.0.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local'];
    const [serving, admin, cm, sched, sa, kubeletClient] = await Promise.all([
      issue(this.dir, this.ca, 'apiserver', { cn: 'kube-apiserver' }, 'server', sans),
      issue(this.dir, this.ca, 'admin', { cn: 'zlog-admin', groups: ['system:masters'] }, 'client'),
      wantControllers ? issue(this.dir, this.ca, 'controller-manager', { cn: 'system:kube-controller-manager' }, 'client') : undefined,
      wantScheduler ? issue(this.dir, this.ca, 'scheduler', { cn: 'system:kube-scheduler' }, 'client') : undefined,
      makeServiceAccountKey(this.dir),
      node ? issue(this.dir, this.ca, 'apiserver-kubelet-client', { cn: 'kube-apiserver-kubelet-client', groups: ['system:masters'] }, 'client') : undefined,
    ]);

    // etcd
    const etcdPort = await port('etcd');
    const peerPort = await port('etcdPeer');
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = this.launch('etcd', bins.etcd!, [
      '--name=zlog',
      `--data-dir=${join(this.dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=zlog=${peerUrl}`,
      // The data is thrown away after the test.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ], [etcdPort, peerPort]);
    await this.waitReady(etcd, `GET ${etcdUrl}/health`, readyMs, async () => {
      const body = await httpGet(`${etcdUrl}/health`);
      return body.status === 200 && body.text.includes('"health":"true"');
    });

    // kube-apiserver
    const apiPort = await port('apiserver');
    this.server = `https://${listenIp}:${apiPort}`;
    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${listenIp}`,
      `--secure-port=${apiPort}`,
      // Without it the API server looks for a default route's address and dies on a host without one.
      // It is also the `kubernetes` Service's endpoint, which pods on the real node reach.
      `--advertise-address=${listenIp}`,
      `--cert-dir=${join(this.dir, 'apiserver-certs')}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${this.ca.cert}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.pub}`,
      `--service-account-signing-key-file=${sa.key}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      // Privileged Pods must reach PodSecurity admission, so that it is what rejects them.
      '--allow-privileged=true',
      '--profiling=false',
    ];
    // The ServiceAccount admission plugin refuses Pods until the namespace's "default" ServiceAccount
    // exists, and only kube-controller-manager creates it.
    if (!wantControllers) apiArgs.push('--disable-admission-plugins=ServiceAccount');
    if (node && kubeletClient) {
      // logs, exec, port-forward: the API server calls the kubelet at the Node's InternalIP (the node link).
      apiArgs.push(
        `--kubelet-client-certificate=${kubeletClient.cert}`,
        `--kubelet-client-key=${kubeletClient.key}`,
        `--kubelet-certificate-authority=${this.ca.cert}`,
        '--kubelet-preferred-address-types=InternalIP',
      );
    }
    const api = this.launch('kube-apiserver', bins['kube-apiserver']!, apiArgs, [apiPort]);

    this.kubeconfig = join(this.dir, 'admin.kubeconfig');
    await writeFile(this.kubeconfig, await this.certKubeconfig(admin), { mode: 0o600 });
    await this.waitReady(api, `GET ${this.server}/readyz`, readyMs, async () => {
      const r = await httpGet(`${this.server}/readyz`, { ca: this.ca.cert, ...admin });
      return r.status === 200;
    });

    if (wantControllers && cm) {
      await this.startClientComponent('kube-controller-manager', bins['kube-controller-manager']!, cm,
        await port('controllerManager'), '/healthz', readyMs, [
          '--controllers=*',
          '--use-service-account-credentials=true',
          `--root-ca-file=${this.ca.cert}`,
          `--service-account-private-key-file=${sa.key}`,
          `--cluster-signing-cert-file=${this.ca.cert}`,
          `--cluster-signing-key-file=${this.ca.key}`,
          '--service-cluster-ip-range=10.0.0.0/24',
        ]);
    }
    if (wantScheduler && sched) {
      await this.startClientComponent('kube-scheduler', bins['kube-scheduler']!, sched, await port('scheduler'), '/readyz', readyMs, []);
    }

    if (node && pause) await this.startNode(node, { kubelet: bins.kubelet!, proxy: bins['kube-proxy']!, coredns: bins.coredns! }, pause, readyMs);

    if (kwokNodes > 0) {
      const proc = this.launch('kwok', bins.kwok!, [
        `--kubeconfig=${this.kubeconfig}`,
        `--config=${stages}`,
        '--manage-all-nodes=true',
        '--node-ip=127.0.0.1',
        // Pod IPs from a range that does not overlap the service range.
        '--cidr=10.244.0.0/16',
        '--node-lease-duration-seconds=40',
      ], []);
      const fake: string[] = [];
      for (let i = 0; i < kwokNodes; i++) fake.push(`kwok-node-${i}`);
      this.nodes.push(...fake);
      await this.apply(fake.map((n) => kwokNode(n)));
      await this.waitReady(proc, `Nodes ${fake.join(', ')} Ready`, readyMs, async () => {
        const r = await this.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'], { timeoutMs: 10_000 });
        if (r.code !== 0) return false;
        const ready = new Set(r.stdout.split('\n').filter((l) => l.endsWith('=True')).map((l) => l.slice(0, -5)));
        return this.nodes.every((n) => ready.has(n));
      });
    }
  }

  /**
   * The real node: containerd (its own config, root, state and socket under the cluster's directory), the
   * pause image imported into it, the kubelet and kube-proxy, all inside the node's network namespace.
   * Returns when the Node is Ready.
   */
  private async startNode(
    node: NodeRecord,
    bin: { kubelet: string; proxy: string; coredns: string },
    pause: { tar: string; ref: string },
    readyMs: number,
  ): Promise<void> {
    const nodeName = `${this.name}-node`;
    const cniBinDir = process.env.ZLOG_CNI_BIN_DIR ?? '/usr/lib/cni';
    const cfg = join(this.dir, 'containerd', 'config.toml');
    await writeFile(cfg, containerdConfig(node, pause.ref, cniBinDir));
    await writeFile(join(this.dir, 'cni', 'net.d', '10-zlog.conflist'), cniConfig(node, SERVICE_CIDR));
    const launchIn = (component: Component, bin: string, args: string[]): Proc => {
      const [cmd, full] = inNetns(node.netns, bin, args);
      const p = this.launch(component, cmd, full, []);
      node.pids.push(p.pid);
      saveRecord(node);
      return p;
    };
    const containerd = launchIn('containerd', 'containerd', ['--config', cfg]);
    await this.waitReady(containerd, `containerd on ${node.containerdSocket}`, readyMs, async () => (await this.ctr(['version'])).code === 0);
    const imported = await this.importImage(pause.tar);
    if (!imported.includes(pause.ref)) throw new Error(`importing ${pause.tar} gave ${imported.join(', ') || 'nothing'}, not ${pause.ref}`);

    const [client, serving, proxyClient] = await Promise.all([
      issue(this.dir, this.ca, 'kubelet-client', { cn: `system:node:${nodeName}`, groups: ['system:nodes'] }, 'client'),
      issue(this.dir, this.ca, 'kubelet-serving', { cn: `system:node:${nodeName}`, groups: ['system:nodes'] }, 'server', [`IP:${node.nodeIp}`, `DNS:${nodeName}`]),
      issue(this.dir, this.ca, 'kube-proxy', { cn: 'system:kube-proxy' }, 'client'),
    ]);
    const kubeletKubeconfig = join(this.dir, 'kubelet.kubeconfig');
    await writeFile(kubeletKubeconfig, await this.certKubeconfig(client), { mode: 0o600 });
    const kubeletCfg = join(this.dir, 'kubelet', 'config.json');
    await writeFile(kubeletCfg, kubeletConfig(node, { caFile: this.ca.cert, servingCert: serving.cert, servingKey: serving.key, clusterDns: node.gatewayIp }));
    const kubelet = launchIn('kubelet', bin.kubelet, [
      `--config=${kubeletCfg}`,
      `--kubeconfig=${kubeletKubeconfig}`,
      `--root-dir=${join(this.dir, 'kubelet')}`,
      `--cert-dir=${join(this.dir, 'kubelet-certs')}`,
      `--hostname-override=${nodeName}`,
      `--node-ip=${node.nodeIp}`,
      '--v=1',
    ]);
    const proxyKubeconfig = join(this.dir, 'kube-proxy.kubeconfig');
    await writeFile(proxyKubeconfig, await this.certKubeconfig(proxyClient), { mode: 0o600 });
    launchIn('kube-proxy', bin.proxy, [
      `--kubeconfig=${proxyKubeconfig}`,
      `--hostname-override=${nodeName}`,
      '--proxy-mode=iptables',
      `--cluster-cidr=${node.podSubnet}`,
      // Pod -> Service -> pod on the same bridge: without br_netfilter the reply would skip the un-DNAT.
      '--masquerade-all',
      // nf_conntrack_max is machine-wide; not ours to change.
      '--conntrack-max-per-core=0',
      '--conntrack-min=0',
      // Inside the node's namespace: these ports collide with nobody.
      '--metrics-bind-address=127.0.0.1:10249',
      '--healthz-bind-address=127.0.0.1:10256',
      `--bind-address=${node.nodeIp}`,
      '--v=1',
    ]);
    // Cluster DNS on the bridge's gateway address (the kubelet's clusterDNS), inside the node's namespace.
    // It reads Services, EndpointSlices, Pods and Namespaces cluster-wide: the admin identity, as in a test cluster.
    const corefile = join(this.dir, 'Corefile');
    await writeFile(corefile, corefileFor(this.kubeconfig, this.name));
    const dns = launchIn('coredns', bin.coredns, ['-conf', corefile]);
    await this.waitReady(dns, 'CoreDNS GET 127.0.0.1:8181/ready in the node namespace', readyMs, async () => {
      const [cmd, args] = inNetns(node.netns, 'curl', ['-sf', '--max-time', '2', 'http://127.0.0.1:8181/ready']);
      return (await runCapture(cmd, args, 5_000)).code === 0;
    });
    this.nodes.unshift(nodeName);
    await this.waitReady(kubelet, `Node ${nodeName} Ready`, readyMs, async () => {
      const r = await this.kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout.trim() === 'True';
    });
    // Claims bind on this node: a default StorageClass and local volumes under the cluster's directory.
    await this.apply(localStorage(nodeName, join(this.dir, 'volumes')));
  }

  ctr(args: string[]): Promise<KubectlResult> {
    if (!this.node) throw new Error('ctr: this cluster has no real node (start it with realNode: true)');
    return runCapture('ctr', ['--address', this.node.containerdSocket, '--namespace', 'k8s.io', ...args], 300_000);
  }

  async importImage(tarFile: string): Promise<string[]> {
    const r = await this.ctr(['images', 'import', tarFile]);
    if (r.code !== 0) throw new Error(`ctr images import ${tarFile} failed with code ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    // "unpacking docker.io/library/x:1 (sha256:...)...done"
    return [...r.stdout.matchAll(/unpacking (\S+) \(sha256:/g)].map((m) => m[1]);
  }

  /**
   * kube-controller-manager and kube-scheduler: an API client with its own certificate, which also
   * serves health on a secure port of its own (self-signed; its health paths need no authentication).
   */
  private async startClientComponent(
    component: 'kube-controller-manager' | 'kube-scheduler',
    bin: string,
    identity: KeyPair,
    securePort: number,
    healthPath: string,
    readyMs: number,
    own: string[],
  ): Promise<void> {
    const kubeconfig = join(this.dir, `${component}.kubeconfig`);
    await writeFile(kubeconfig, await this.certKubeconfig(identity), { mode: 0o600 });
    const proc = this.launch(component, bin, [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${securePort}`,
      `--cert-dir=${join(this.dir, `${component}-certs`)}`,
      // One instance per cluster: leader election would only delay the start.
      '--leader-elect=false',
      ...own,
    ], [securePort]);
    const url = `https://127.0.0.1:${securePort}${healthPath}`;
    await this.waitReady(proc, `GET ${url}`, readyMs, async () => (await httpGet(url, { insecure: true })).status === 200);
  }

  private async certKubeconfig(pair: KeyPair): Promise<string> {
    return kubeconfigYaml(this.name, this.server, this.caData, [
      `    client-certificate-data: ${await base64Of(pair.cert)}`,
      `    client-key-data: ${await base64Of(pair.key)}`,
    ].join('\n'));
  }

  private launch(component: Component, bin: string, args: string[], ports: number[]): Proc {
    const extra = this.opts.extraArgs?.[component] ?? [];
    const logFile = join(this.dir, `${component}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(bin, [...args, ...extra], { cwd: this.dir, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) {
      throw new ClusterStartError(`${component}: could not start ${bin}`, component, this.dir, this.startedPids());
    }
    const proc: Proc = { component, child, pid: child.pid, logFile, ports, exited: Promise.resolve() };
    proc.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        proc.exit = { code, signal };
        livePids.delete(proc.pid);
        resolve();
      });
      child.once('error', (err) => {
        writeFileSync(logFile, `\nharness: ${err.message}\n`, { flag: 'a' });
        if (!proc.exit) proc.exit = { code: null, signal: null };
        livePids.delete(proc.pid);
        resolve();
      });
    });
    livePids.add(proc.pid);
    this.procs.push(proc);
    this.writePidFile();
    return proc;
  }

  private startedPids(): number[] {
    return this.procs.map((p) => p.pid);
  }

  private died(p: Proc): ClusterStartError {
    const e = p.exit!;
    const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
    const log = tail(p.logFile);
    const inUse = /address already in use/i.test(log);
    const why = inUse ? ` because a port it was given is already in use (its ports: ${p.ports.join(', ')})` : '';
    return new ClusterStartError(
      `${p.component} (pid ${p.pid}) ${how} during start${why}\n--- last lines of ${p.logFile} ---\n${log}`,
      p.component, this.dir, this.startedPids(), inUse,
    );
  }

  private async waitReady(p: Proc, what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastErr = '';
    for (;;) {
      if (p.exit) throw this.died(p);
      // A component that some other one depends on may die while we wait on the later one.
      const dead = this.procs.find((q) => q.exit && q !== p);
      if (dead) throw this.died(dead);
      try {
        if (await check()) return;
      } catch (err) {
        lastErr = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new ClusterStartError(
          `${p.component} (pid ${p.pid}) not ready after ${Math.round(timeoutMs / 1000)} s (${what}` +
            `${lastErr ? `; last error: ${lastErr}` : ''})\n--- last lines of ${p.logFile} ---\n${tail(p.logFile)}`,
          p.component, this.dir, this.startedPids(),
        );
      }
      await Promise.race([sleep(150), p.exited]);
    }
  }

  private writePidFile(): void {
    writeFileSync(this.pidFile, this.procs.map((p) => p.pid).join(' ') + '\n');
    if (this.watchdog) return;
    // If this process is SIGKILLed no handler runs; the watchdog (its own process group, so a
    // terminal's Ctrl-C does not reach it) kills the components once our PID is gone.
    const script =
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; [ -f "$2" ] && kill -9 $(cat "$2") 2>/dev/null; ' +
      (this.keepDir() ? '' : 'sleep 1; rm -rf "$3"; ') + 'exit 0';
    this.watchdog = spawn('sh', ['-c', script, 'zlog-cluster-watchdog', String(process.pid), this.pidFile, this.dir], {
      detached: true,
      stdio: 'ignore',
    });
    this.watchdog.unref();
    if (this.watchdog.pid) livePids.add(this.watchdog.pid);
  }

  // -------------------------------------------------------------------------------------------
  // use

  kubectl(args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
    const full = [`--kubeconfig=${opts.kubeconfig ?? this.kubeconfig}`];
    if (opts.asUser) full.push(`--as=${opts.asUser}`);
    for (const g of opts.asGroups ?? []) full.push(`--as-group=${g}`);
    full.push(...args);
    const bin = this.kubectlBin || binPath('kubectl');
    return new Promise((resolve, reject) => {
      const child = spawn(bin, full, { cwd: this.dir, stdio: ['pipe', 'pipe', 'pipe'] });
      if (child.pid) livePids.add(child.pid);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on('data', (b: Buffer) => out.push(b));
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      const timeoutMs = opts.timeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        err.push(Buffer.from(`\nharness: kubectl ${args.join(' ')} killed after ${timeoutMs} ms\n`));
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`kubectl ${args.join(' ')}: ${e.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (child.pid) livePids.delete(child.pid);
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          code: code ?? (signal ? 128 : 1),
        });
      });
      child.stdin!.on('error', () => undefined); // kubectl may exit before reading its input
      if (opts.input instanceof Readable) opts.input.pipe(child.stdin!);
      else child.stdin!.end(opts.input ?? '');
    });
  }

  async kubectlOk(args: string[], opts: KubectlOptions = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) {
      // A component that crashed after the start explains many a failure; say so where it shows.
      const dead = this.procs
        .filter((p) => p.exit && !this.stopping)
        .map((p) => ` [${p.component} (pid ${p.pid}) has exited with ${p.exit!.signal ?? `code ${p.exit!.code}`}; see ${p.logFile}]`);
      throw new Error(`kubectl ${args.join(' ')} failed with code ${r.code}: ${r.stderr.trim() || r.stdout.trim()}${dead.join('')}`);
    }
    return r.stdout;
  }

  apply(manifest: object | object[] | string, opts: KubectlOptions & { serverSide?: boolean } = {}): Promise<string> {
    const input =
      typeof manifest === 'string'
        ? manifest
        : JSON.stringify(Array.isArray(manifest) ? { apiVersion: 'v1', kind: 'List', items: manifest } : manifest);
    const args = opts.serverSide ? ['apply', '--server-side', '--field-manager=zlog-test', '-f', '-'] : ['apply', '-f', '-'];
    return this.kubectlOk(args, { ...opts, input });
  }

  async writeKubeconfigFor(who: Identity, file?: string): Promise<string> {
    const n = ++this.extraFiles;
    let userYaml: string;
    if ('user' in who) {
      const pair = await issue(this.dir, this.ca, `user-${n}`, { cn: who.user, groups: who.groups }, 'client');
      userYaml = [
        `    client-certificate-data: ${await base64Of(pair.cert)}`,
        `    client-key-data: ${await base64Of(pair.key)}`,
      ].join('\n');
    } else if ('serviceAccount' in who) {
      const { namespace, name } = who.serviceAccount;
      const token = (
        await this.kubectlOk(['create', 'token', name, '-n', namespace, `--duration=${who.expirationSeconds ?? 3600}s`])
      ).trim();
      userYaml = `    token: ${yamlString(token)}`;
    } else {
      userYaml = `    token: ${yamlString(who.token)}`;
    }
    const path = file ?? join(this.dir, `identity-${n}.kubeconfig`);
    await writeFile(path, kubeconfigYaml(this.name, this.server, this.caData, userYaml), { mode: 0o600 });
    return path;
  }

  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
    await this.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(ns) });
    if (this.procs.some((p) => p.component === 'kube-controller-manager')) {
      await this.kubectlOk(['wait', '--for=create', 'serviceaccount/default', '-n', name, '--timeout=60s'], { timeoutMs: 70_000 });
    }
  }

  // -------------------------------------------------------------------------------------------
  // stop

  /** For the 'exit' hook: removes the real node's namespace, links, mounts, cgroups and chains. */
  teardownNodeSync(): void {
    if (this.node) teardownNode(this.node);
  }

  /** For the 'exit' hook, which cannot wait for the asynchronous stop(). */
  removeDirSync(): void {
    if (!this.keepDir()) rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Deletes every pod through the API, so that the kubelet runs their preStop hooks, stops them within
   * their grace period and CNI DEL frees their addresses; after 90 s whatever is left is forced.
   */
  private async deletePodsThroughApi(): Promise<void> {
    const api = this.procs.find((p) => p.component === 'kube-apiserver');
    if (!api || api.exit) return;
    const r = await this.kubectl(['delete', 'pods', '--all', '--all-namespaces', '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 });
    if (r.code !== 0) {
      await this.kubectl(['delete', 'pods', '--all', '--all-namespaces', '--force', '--grace-period=0'], { timeoutMs: 30_000 });
    }
  }

  private keepDir(): boolean {
    return Boolean(this.opts.keepDir) || process.env.ZLOG_KEEP_CLUSTER_DIR === '1';
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    // Dependents first, etcd last, so the API server does not log a storm of etcd errors.
    const stopGroup = (group: Component[]): Promise<unknown> =>
      Promise.all(this.procs.filter((p) => group.includes(p.component)).map((p) => stopProc(p)));
    // No controller may recreate what is being deleted.
    await stopGroup(['kwok', 'kube-scheduler', 'kube-controller-manager']);
    if (this.node) {
      await this.deletePodsThroughApi();
      await stopGroup(['kube-proxy', 'kubelet', 'coredns']);
      await stopGroup(['containerd']);
      const left = teardownNode(this.node);
      if (left.length) process.stderr.write(`harness: node ${this.node.id} left behind: ${left.join(', ')}\n`);
    }
    liveClusters.delete(this);
    for (const group of [['kube-apiserver'], ['etcd']] as Component[][]) await stopGroup(group);
    if (this.watchdog?.pid) {
      killSync(this.watchdog.pid, 'SIGKILL');
      livePids.delete(this.watchdog.pid);
    }
    if (!this.keepDir()) {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

const SERVICE_CIDR = '10.0.0.0/24';

/**
 * CoreDNS's configuration: the cluster domain and reverse zones from the API (kubernetes plugin, as in
 * kubeadm's default Corefile), nothing else: no forward, so no query leaves the machine (other names REFUSED).
 */
function corefileFor(kubeconfig: string, context: string): string {
  return `cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    errors
    health 127.0.0.1:8080
    ready 127.0.0.1:8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig} ${context}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
}
`;
}

/** Runs a command and captures its output (never throws on a non-zero exit). */
function runCapture(cmd: string, args: string[], timeoutMs: number): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) livePids.add(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(' ')}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (child.pid) livePids.delete(child.pid);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? (signal ? 128 : 1) });
    });
  });
}

async function stopProc(p: Proc): Promise<void> {
  if (p.exit) return;
  killSync(p.pid, 'SIGTERM');
  // An unref'd timer: a pending grace period must not keep the test process alive after the exit.
  const graceful = await Promise.race([p.exited.then(() => true), sleep(5_000, false, { ref: false })]);
  if (!graceful) {
    killSync(p.pid, 'SIGKILL');
    await p.exited;
  }
}

function kwokNode(name: string): object {
  const resources = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    // No NoSchedule taint: the point of these nodes is that ordinary Pods land on them.
    spec: {},
    status: {
      allocatable: resources,
      capacity: resources,
      // nodeInfo, conditions and addresses come from kwok's node-initialize stage.
    },
  };
}

interface HttpOpts {
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

async function httpGet(url: string, o: HttpOpts = {}): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  if (u.protocol === 'http:') {
    const r = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return { status: r.status, text: await r.text() };
  }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: o.ca ? readFileSync(o.ca) : undefined,
        cert: o.cert ? readFileSync(o.cert) : undefined,
        key: o.key ? readFileSync(o.key) : undefined,
        rejectUnauthorized: !o.insecure,
        agent: false,
        timeout: 3_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after 3 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts a cluster and waits until every requested component is ready. On failure everything it
 * started is stopped and a ClusterStartError says which component failed and why.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  installProcessHooks();
  const name = opts.name ?? 'zlog-test';
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) throw new Error(`cluster name '${name}' must be lowercase letters, digits and dashes`);
  // A random free port is only free until the component binds it; another test process starting a
  // cluster at the same moment can take it first. Such a collision is retried with new ports; a port
  // the caller chose is not.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(name, opts);
    } catch (err) {
      const raced = err instanceof ClusterStartError && err.portInUse && !opts.ports;
      if (!raced || attempt >= 3) throw err;
    }
  }
}

async function startOnce(name: string, opts: ClusterOptions): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), `zlog-cluster-${name}-`));
  const cluster = new ClusterImpl(name, dir, opts);
  liveClusters.add(cluster);
  try {
    await cluster.start();
    return cluster;
  } catch (err) {
    const pids = cluster.pids;
    await cluster.stop();
    if (err instanceof ClusterStartError) throw err;
    throw new ClusterStartError(
      `startCluster(${name}): ${(err as Error).message}`,
      'harness',
      dir,
      Object.values(pids),
    );
  }
}

/** For node:test: starts a cluster and stops it when the test (or suite) `t` ends, passed or failed. */
export async function useCluster(t: { after(fn: () => unknown): void }, opts: ClusterOptions = {}): Promise<Cluster> {
  const cluster = await startCluster(opts);
  t.after(() => cluster.stop());
  return cluster;
}
