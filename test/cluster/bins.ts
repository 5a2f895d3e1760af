// Where the control plane's binaries live. They are built from upstream Go sources by
// test/cluster/build-bins.sh into a per-user cache keyed by version; this module only finds them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BinName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'kubelet'
  | 'kube-proxy'
  | 'coredns'
  | 'kwok'
  | 'helm'
  | 'victoria-logs';

export const BIN_NAMES: readonly BinName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kubelet',
  'kube-proxy',
  'coredns',
  'kwok',
  'helm',
  'victoria-logs',
];

export const BUILD_COMMAND = 'make test-bins (or: bash test/cluster/build-bins.sh)';

/** Which versions.env key pins each binary, and the cache sub-directory's name prefix. */
const SOURCE: Record<BinName, { key: string; name: string }> = {
  etcd: { key: 'ETCD_VERSION', name: 'etcd' },
  'kube-apiserver': { key: 'KUBERNETES_VERSION', name: 'kubernetes' },
  'kube-controller-manager': { key: 'KUBERNETES_VERSION', name: 'kubernetes' },
  'kube-scheduler': { key: 'KUBERNETES_VERSION', name: 'kubernetes' },
  kubectl: { key: 'KUBERNETES_VERSION', name: 'kubernetes' },
  kubelet: { key: 'KUBERNETES_VERSION', name: 'kubernetes' },
  'kube-proxy': { key: 'KUBERNETES_VERSION', name: 'kubernetes' },
  coredns: { key: 'COREDNS_VERSION', name: 'coredns' },
  kwok: { key: 'KWOK_VERSION', name: 'kwok' },
  helm: { key: 'HELM_VERSION', name: 'helm' },
  'victoria-logs': { key: 'VICTORIALOGS_VERSION', name: 'victorialogs' },
};

/** The checkout's root: this file runs both from test/cluster (tsx) and dist/test/cluster (tsc). */
export function repoRoot(): string {
  if (process.env.ZLOG_REPO_ROOT && existsSync(join(process.env.ZLOG_REPO_ROOT, 'test/cluster/versions.env'))) {
    return process.env.ZLOG_REPO_ROOT;
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'test/cluster/versions.env'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find test/cluster/versions.env above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

let versionsCache: Record<string, string> | undefined;

/** The pinned versions (KUBERNETES_VERSION, ETCD_VERSION, KWOK_VERSION, HELM_VERSION, PAUSE_VERSION, PAUSE_IMAGE). */
export function versions(): Record<string, string> {
  if (versionsCache) return versionsCache;
  const text = readFileSync(join(repoRoot(), 'test/cluster/versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_]+)=(\S+)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  versionsCache = out;
  return out;
}

/** Same rule as build-bins.sh. */
export function binCache(): string {
  if (process.env.ZLOG_BIN_CACHE) return resolve(process.env.ZLOG_BIN_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'zlog', 'bins');
}

function cacheDirFor(name: BinName): string {
  const src = SOURCE[name];
  const version = versions()[src.key];
  if (!version) throw new Error(`test/cluster/versions.env has no ${src.key} (needed for ${name})`);
  // helm is also keyed by the Kubernetes version built into it (its offline default; see build-bins.sh).
  const suffix = name === 'helm' ? `-k8s-${versions().KUBERNETES_VERSION}` : '';
  return join(binCache(), `${src.name}-${version}${suffix}`);
}

/** Override for one binary, e.g. ZLOG_BIN_KUBE_APISERVER=/path/to/kube-apiserver. */
export function overrideEnvName(name: BinName): string {
  return 'ZLOG_BIN_' + name.toUpperCase().replace(/-/g, '_');
}

/**
 * Absolute path of an executable control-plane binary. Throws an error naming the binary, where it
 * was looked for and the command that builds it.
 */
export function binPath(name: BinName): string {
  if (!(name in SOURCE)) throw new Error(`unknown control-plane binary '${name}' (known: ${BIN_NAMES.join(', ')})`);
  const override = process.env[overrideEnvName(name)];
  const path = override ? resolve(override) : join(cacheDirFor(name), name);
  return checkExecutable(name, path, override ? `set by ${overrideEnvName(name)}` : undefined);
}

/** Throws the same kind of error as binPath for an explicit path. */
export function checkExecutable(name: string, path: string, origin?: string): string {
  // stat, not access(X_OK): for root, access() says yes to directories and to files without x bits.
  let why = '';
  try {
    const st = statSync(path);
    if (!st.isFile() || (st.mode & 0o111) === 0) why = 'is not executable';
  } catch {
    why = 'does not exist';
  }
  if (why) {
    throw new Error(
      `control-plane binary '${name}' ${why}: ${path}${origin ? ` (${origin})` : ''}. Build it with: ${BUILD_COMMAND}`,
    );
  }
  return path;
}

/** kwok's Stage definitions (node initialise + lease heartbeat, pod ready/complete/delete), copied by build-bins.sh. */
export function kwokStagesPath(): string {
  const path = join(cacheDirFor('kwok'), 'stages.yaml');
  if (!existsSync(path)) throw new Error(`kwok's stages file does not exist: ${path}. Build it with: ${BUILD_COMMAND}`);
  return path;
}

/** The node's sandbox image as a docker-archive tar (build-bins.sh builds it from k8s.io/kubernetes's pause.c). */
export function pauseImage(): { tar: string; ref: string } {
  const v = versions();
  const tar = join(binCache(), `pause-${v.PAUSE_VERSION}-k8s-${v.KUBERNETES_VERSION}`, 'pause.tar');
  if (!existsSync(tar)) throw new Error(`the pause image does not exist: ${tar}. Build it with: ${BUILD_COMMAND}`);
  return { tar, ref: v.PAUSE_IMAGE };
}
