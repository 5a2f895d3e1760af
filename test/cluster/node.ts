// One real Kubernetes node for the test cluster: containerd + runc + CNI bridge + kubelet + kube-proxy, each
// run with a configuration, state and socket of its own under the cluster's directory. See
// docs/control-plane.md#the-node and ../shared/REAL-NODE.md for the settings this machine needs.
//
// Isolation: the node lives in a network namespace of its own (`zlog-<id>`), joined by a veth pair to the
// host. The CNI bridge, the pods' veths, kube-proxy's and the kubelet's iptables chains and ip_forward are
// all inside that namespace, so two clusters on one machine never share a chain or a sysctl, and deleting
// the namespace removes them. The host side gets one /30 address (the API server listens there, so that
// pods reach it through the `kubernetes` Service), one route to the pod subnet, and one iptables chain that
// drops anything addressed to that /30 from elsewhere than lo or the veth. Pods get no default route and
// the node namespace has none either: nothing a pod sends can leave the machine.
//
// Only the network namespace is joined (nsenter --net), never a mount namespace, so the kubelet's volume
// mounts are the ones containerd puts into containers.
//
// Everything created is recorded in /run/zlog-nodes/<id>.json with the owning PID; a node whose owner
// died without cleaning up (SIGKILL) is swept by the next startNode() on the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** Where live nodes are recorded, one JSON file each (tmpfs: a reboot clears it, as it clears what it lists). */
export const NODE_REGISTRY = '/run/zlog-nodes';

/** Everything one node creates on the machine outside its cluster directory, by name. */
export interface NodeRecord {
  id: string;
  /** PID of the process that owns the node (the test or dev-cluster process). */
  owner: number;
  /** The cluster directory: containerd's root/state, the kubelet's root, CNI state, logs. */
  dir: string;
  netns: string;
  hostLink: string;
  nodeLink: string;
  /** The host end's address (the API server binds it) and the node end's (the Node's InternalIP). */
  hostIp: string;
  nodeIp: string;
  podSubnet: string;
  /** Gateway of the pod subnet on the node's bridge. */
  gatewayIp: string;
  bridge: string;
  /** cgroup (v1) path under every hierarchy that the kubelet puts its pods under. */
  cgroupRoot: string;
  hostChain: string;
  containerdSocket: string;
  /** PIDs of containerd, kubelet, kube-proxy once started. */
  pids: number[];
}

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
}

/** Runs and ignores failure: teardown goes on past what is already gone. */
function try_(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** A command inside the node's network namespace only (mounts stay shared with the host). */
export function inNetns(netns: string, cmd: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${netns}`, '--', cmd, ...args]];
}

function nsSh(netns: string, cmd: string, args: string[]): string {
  const [c, a] = inNetns(netns, cmd, args);
  return sh(c, a);
}

function inUse(prefix: string): boolean {
  const addrs = sh('ip', ['-4', '-o', 'addr', 'show']) + sh('ip', ['-4', '-o', 'route', 'show', 'table', 'all']);
  return addrs.includes(prefix);
}

/**
 * Picks names and private subnets for a new node that no other node on this machine uses: a random id,
 * a /30 for the host-node link from 10.100.0.0-10.199.255.252 and a /24 pod subnet from 10.200-10.254,
 * each checked against the host's addresses and routes.
 */
export function planNode(dir: string): NodeRecord {
  for (let attempt = 0; attempt < 50; attempt++) {
    const id = randomBytes(3).toString('hex');
    const [a, b, c, d, e] = randomBytes(5);
    const link = `10.${100 + (a % 100)}.${b}.${c & 0xfc}`;
    const linkBase = link.split('.').slice(0, 3).join('.');
    const last = c & 0xfc;
    const pod = `10.${200 + (d % 55)}.${e}`;
    if (inUse(`${linkBase}.${last}`) || inUse(`${linkBase}.${last + 1}`) || inUse(`${linkBase}.${last + 2}`) || inUse(`${pod}.`)) continue;
    if (existsSync(`/run/netns/zlog-${id}`)) continue;
    return {
      id,
      owner: process.pid,
      dir,
      netns: `zlog-${id}`,
      hostLink: `zlh${id}`,
      nodeLink: `zln${id}`,
      hostIp: `${linkBase}.${last + 1}`,
      nodeIp: `${linkBase}.${last + 2}`,
      podSubnet: `${pod}.0/24`,
      gatewayIp: `${pod}.1`,
      bridge: 'zlbr0',
      cgroupRoot: `/zlog-${id}`,
      hostChain: `ZLOG-NODE-${id.toUpperCase()}`,
      containerdSocket: join(dir, 'containerd', 'containerd.sock'),
      pids: [],
    };
  }
  throw new Error('could not find free names and subnets for a node after 50 tries');
}

function recordPath(id: string): string {
  return join(NODE_REGISTRY, `${id}.json`);
}

export function saveRecord(r: NodeRecord): void {
  mkdirSync(NODE_REGISTRY, { recursive: true });
  writeFileSync(recordPath(r.id), JSON.stringify(r, null, 2) + '\n');
}

/**
 * Creates the node's network: the namespace, the veth pair with a /30 (host end hostIp, node end nodeIp),
 * the host route to the pod subnet, the pre-made bridge with the gateway address, the host chain that keeps
 * hostIp private to this machine, and inside the namespace a FORWARD rule that drops anything leaving the
 * bridge for the link except traffic to hostIp. Recorded before the first change so that a crash midway is
 * swept.
 */
export function createNodeNetwork(r: NodeRecord): void {
  saveRecord(r);
  const ns = r.netns;
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['link', 'add', r.hostLink, 'type', 'veth', 'peer', 'name', r.nodeLink]);
  sh('ip', ['link', 'set', r.nodeLink, 'netns', ns]);
  sh('ip', ['addr', 'add', `${r.hostIp}/30`, 'dev', r.hostLink]);
  sh('ip', ['link', 'set', r.hostLink, 'up']);
  nsSh(ns, 'ip', ['link', 'set', 'lo', 'up']);
  nsSh(ns, 'ip', ['addr', 'add', `${r.nodeIp}/30`, 'dev', r.nodeLink]);
  nsSh(ns, 'ip', ['link', 'set', r.nodeLink, 'up']);
  // The bridge exists before the first pod so that the gateway address (the pods' DNS server lives there)
  // is up from the start; the CNI bridge plugin adopts it.
  nsSh(ns, 'ip', ['link', 'add', r.bridge, 'type', 'bridge']);
  nsSh(ns, 'ip', ['addr', 'add', `${r.gatewayIp}/24`, 'dev', r.bridge]);
  nsSh(ns, 'ip', ['link', 'set', r.bridge, 'up']);
  nsSh(ns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  // Host: the pod subnet through the node (kubectl port-forward does not need it; Prometheus on the host does).
  sh('ip', ['route', 'add', r.podSubnet, 'via', r.nodeIp, 'dev', r.hostLink]);
  sh('iptables', ['-w', '-N', r.hostChain]);
  sh('iptables', ['-w', '-A', r.hostChain, '-d', r.hostIp, '-i', 'lo', '-j', 'RETURN']);
  sh('iptables', ['-w', '-A', r.hostChain, '-d', r.hostIp, '-i', r.hostLink, '-j', 'RETURN']);
  sh('iptables', ['-w', '-A', r.hostChain, '-d', r.hostIp, '-j', 'DROP']);
  // Nothing from the pod subnet is forwarded by the host (its ip_forward is not ours to decide): drop it there too.
  sh('iptables', ['-w', '-A', r.hostChain, '-s', r.podSubnet, '!', '-d', r.hostIp, '-j', 'DROP']);
  sh('iptables', ['-w', '-I', 'INPUT', '1', '-j', r.hostChain]);
  sh('iptables', ['-w', '-I', 'FORWARD', '1', '-j', r.hostChain]);
  nsSh(ns, 'iptables', ['-w', '-I', 'FORWARD', '1', '-i', r.bridge, '!', '-o', r.bridge, '!', '-d', r.hostIp, '-j', 'DROP']);
}

function cgroupHierarchies(): string[] {
  const root = '/sys/fs/cgroup';
  try {
    return readdirSync(root)
      .map((n) => join(root, n))
      .filter((p) => {
        try {
          return statSync(p).isDirectory() && existsSync(join(p, 'cgroup.procs'));
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

/** The kubelet refuses a cgroupRoot that does not exist; it makes everything below it. */
export function createCgroupRoot(r: NodeRecord): void {
  for (const h of cgroupHierarchies()) mkdirSync(join(h, r.cgroupRoot), { recursive: true });
}

function cgroupPids(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    try {
      for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) out.push(Number(l));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      // gone meanwhile
    }
  };
  walk(dir);
  return out;
}

function rmCgroupTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const e of entries) rmCgroupTree(join(dir, e));
  try {
    rmdirSync(dir);
  } catch {
    // busy: a process still in it; reported by the caller's check
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill9(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** containerd's shims outlive containerd; they name its socket on their command line. */
function shimPids(socket: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const c = cmdline(Number(e));
    if (c.includes('containerd-shim') && c.includes(socket)) out.push(Number(e));
  }
  return out;
}

function mountsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const path = mp.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (path === dir || path.startsWith(dir + '/')) out.push(path);
  }
  // Deepest first.
  return out.sort((a, b) => b.length - a.length);
}

/**
 * Removes everything a node made, whatever state it is in, synchronously (so that it also runs from an
 * 'exit' handler and from the sweep): processes that are still there (checked against the node's own paths
 * before signalling, in case a PID was reused), containers by their cgroups, shims by their socket, mounts
 * under the directory, the network namespace (its bridge, veths and iptables rules go with it), the host
 * link, route and chain, the cgroups, the record. Returns what could not be removed (empty when clean).
 */
export function teardownNode(r: NodeRecord): string[] {
  for (const pid of r.pids) if (alive(pid) && cmdline(pid).includes(r.dir)) kill9(pid);
  for (const pid of shimPids(r.containerdSocket)) kill9(pid);
  const cgroups = cgroupHierarchies().map((h) => join(h, r.cgroupRoot));
  for (let i = 0; i < 20; i++) {
    const left = cgroups.flatMap(cgroupPids);
    if (left.length === 0) break;
    for (const pid of left) kill9(pid);
    spawnSync('sleep', ['0.1']);
  }
  for (const m of mountsUnder(r.dir)) try_('umount', ['-l', m]);
  // Pod network namespaces: containerd mounts them under its state dir (netns_mounts_under_state_dir),
  // unmounted above; their veths went with them.
  try_('ip', ['netns', 'del', r.netns]);
  try_('ip', ['link', 'del', r.hostLink]);
  try_('ip', ['route', 'del', r.podSubnet]);
  while (try_('iptables', ['-w', '-D', 'INPUT', '-j', r.hostChain]));
  while (try_('iptables', ['-w', '-D', 'FORWARD', '-j', r.hostChain]));
  try_('iptables', ['-w', '-F', r.hostChain]);
  try_('iptables', ['-w', '-X', r.hostChain]);
  for (const c of cgroups) rmCgroupTree(c);

  const left: string[] = [];
  if (existsSync(`/run/netns/${r.netns}`)) left.push(`netns ${r.netns}`);
  if (try_('ip', ['link', 'show', r.hostLink])) left.push(`link ${r.hostLink}`);
  if (try_('iptables', ['-w', '-n', '-L', r.hostChain])) left.push(`iptables chain ${r.hostChain}`);
  for (const c of cgroups) if (existsSync(c)) left.push(`cgroup ${c}`);
  for (const m of mountsUnder(r.dir)) left.push(`mount ${m}`);
  if (left.length === 0) {
    try {
      unlinkSync(recordPath(r.id));
    } catch {
      // already gone
    }
  }
  return left;
}

/**
 * Tears down the nodes of processes that died without doing it themselves (SIGKILL, power loss of a
 * terminal). Returns the ids swept.
 */
export function sweepLeftoverNodes(): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(NODE_REGISTRY).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const f of files) {
    let r: NodeRecord;
    try {
      r = JSON.parse(readFileSync(join(NODE_REGISTRY, f), 'utf8')) as NodeRecord;
    } catch {
      continue;
    }
    if (alive(r.owner) && r.owner !== process.pid) continue;
    if (r.owner === process.pid) continue; // ours and live
    teardownNode(r);
    rmSync(r.dir, { recursive: true, force: true });
    swept.push(r.id);
  }
  return swept;
}

// ---------------------------------------------------------------------------------------------
// Configuration files.

/** containerd 1.6 (Debian 12) configuration: everything under the node's directory, nothing in /var/lib or /run. */
export function containerdConfig(r: NodeRecord, pauseImage: string, cniBinDir: string): string {
  const d = join(r.dir, 'containerd');
  return `version = 2
root = ${JSON.stringify(join(d, 'root'))}
state = ${JSON.stringify(join(d, 'state'))}
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${JSON.stringify(r.containerdSocket)}

[ttrpc]
  address = ${JSON.stringify(r.containerdSocket + '.ttrpc')}

[debug]
  level = "warn"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${JSON.stringify(pauseImage)}
  # No CAP_SYS_RESOURCE for root on these machines: runc cannot lower oom_score_adj below containerd's own.
  restrict_oom_score_adj = true
  # Pod network namespaces under the state dir, so that teardown finds them by path.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = ${JSON.stringify(join(d, 'runc'))}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${JSON.stringify(cniBinDir)}
    conf_dir = ${JSON.stringify(join(r.dir, 'cni', 'net.d'))}
    max_conf_num = 1
`;
}

/** The pod network: the CNI bridge plugin on the pre-made bridge, no default route, a route to Services. */
export function cniConfig(r: NodeRecord, serviceCidr: string): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: `zlog-${r.id}`,
      plugins: [
        {
          type: 'bridge',
          bridge: r.bridge,
          isGateway: true,
          // Pods get a route to the pod subnet and to Service IPs, and nothing else.
          isDefaultGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: r.podSubnet, gateway: r.gatewayIp }]],
            routes: [{ dst: serviceCidr, gw: r.gatewayIp }],
            dataDir: join(r.dir, 'cni', 'ipam'),
          },
        },
      ],
    },
    null,
    2,
  );
}

export interface KubeletFiles {
  caFile: string;
  servingCert: string;
  servingKey: string;
  clusterDns?: string;
}

/**
 * Where this node's kubelet keeps container logs (`<namespace>_<pod>_<uid>/<container>/<n>.log`). Each node
 * needs its own: the kubelet's garbage collector deletes every pod log directory of a pod it does not run, so two
 * nodes on one machine sharing the default /var/log/pods deleted each other's logs (two fresh-clone CI runs
 * failed in journey 4 while the dev-cluster tour ran beside the real-node file: `kubectl logs` empty, then
 * "lstat /var/log/pods/logging_central-0_...: no such file or directory").
 */
export function podLogsDir(r: Pick<NodeRecord, 'dir'>): string {
  return join(r.dir, 'pod-logs');
}

/** KubeletConfiguration (kubelet.config.k8s.io/v1beta1), written as JSON (a YAML subset the kubelet reads). */
export function kubeletConfig(r: NodeRecord, f: KubeletFiles): string {
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // cgroup v1 only on these machines; kubelet 1.35 refuses it unless told.
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      // Our own subtree, so two nodes on one machine never manage the same /kubepods.
      cgroupRoot: r.cgroupRoot,
      containerRuntimeEndpoint: `unix://${r.containerdSocket}`,
      address: r.nodeIp,
      port: 10250,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: 10248,
      tlsCertFile: f.servingCert,
      tlsPrivateKeyFile: f.servingKey,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: false },
        x509: { clientCAFile: f.caFile },
      },
      authorization: { mode: 'AlwaysAllow' },
      clusterDomain: 'cluster.local',
      clusterDNS: f.clusterDns ? [f.clusterDns] : [],
      // Images are imported, never pulled: garbage-collecting one would lose it for good.
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
      failSwapOn: false,
      serializeImagePulls: false,
      // Shared machines run with little free disk and memory; the node should take pods regardless.
      podsPerCore: 0,
      maxPods: 110,
      syncFrequency: '10s',
      fileCheckFrequency: '0s',
      staticPodPath: '',
      podLogsDir: podLogsDir(r),
    },
    null,
    2,
  );
}

export function ensureDirs(r: NodeRecord): void {
  for (const d of ['containerd', 'cni/net.d', 'cni/ipam', 'kubelet', 'kubelet-certs', 'pod-logs']) mkdirSync(join(r.dir, d), { recursive: true });
}
