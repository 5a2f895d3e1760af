// Where the API server is and how to authenticate to it: a kubeconfig file (the current context) or the
// in-cluster ServiceAccount. Written here instead of importing @kubernetes/client-node's KubeConfig, whose
// import alone costs about 74 MiB of RSS (measured: 53 -> 127 MiB), more than half the operator's budget.
// Supported: certificate-authority(-data), insecure-skip-tls-verify, tls-server-name, client certificates,
// bearer tokens (inline or tokenFile, re-read so rotated projected tokens keep working) and basic auth.
// exec and auth-provider plugins are refused with a message naming the user entry.
import { existsSync } from 'node:fs';
import { READ_CAPS, readFileBounded } from '../../collector/util/read-bounded.js';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

export const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ClientConfig {
  /** API server URL (https://host:port, or http:// for a local test server). */
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
  token?: string;
  /** Re-read on every credential refresh (projected ServiceAccount tokens are rotated by the kubelet). */
  tokenFile?: string;
  basic?: { username: string; password: string };
  /** Where this came from, for messages. */
  source: string;
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

interface RawKubeconfig {
  'current-context'?: string;
  contexts?: Array<Named<unknown> & { context?: { cluster?: string; user?: string } }>;
  clusters?: Array<Named<unknown> & { cluster?: Record<string, unknown> }>;
  users?: Array<Named<unknown> & { user?: Record<string, unknown> }>;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Parses a kubeconfig's current context. `base` resolves relative file paths (the file's directory). */
export function fromKubeconfigText(text: string, base: string, source: string): ClientConfig {
  const raw = (parse(text) ?? {}) as RawKubeconfig;
  const ctxName = str(raw['current-context']);
  if (!ctxName) throw new Error(`${source}: no current-context`);
  const ctx = raw.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`${source}: context ${ctxName} not found`);
  const cluster = raw.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`${source}: cluster ${String(ctx.cluster)} of context ${ctxName} not found`);
  const user = (ctx.user !== undefined ? raw.users?.find((u) => u.name === ctx.user)?.user : undefined) ?? {};
  const file = (p: string) => Buffer.from(readFileBounded(isAbsolute(p) ? p : join(base, p), READ_CAPS.secret));
  const b64 = (v: string) => Buffer.from(v, 'base64');
  const server = str(cluster.server);
  if (!server) throw new Error(`${source}: cluster ${String(ctx.cluster)} has no server`);
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw new Error(`${source}: user ${String(ctx.user)} authenticates with an exec or auth-provider plugin, which the zlog operator does not support; use a token or a client certificate`);
  }
  const pick = (data: unknown, path: unknown): Buffer | undefined => (str(data) ? b64(str(data)!) : str(path) ? file(str(path)!) : undefined);
  const username = str(user.username);
  return {
    server,
    ca: pick(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: pick(user['client-certificate-data'], user['client-certificate']),
    key: pick(user['client-key-data'], user['client-key']),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    servername: str(cluster['tls-server-name']),
    token: str(user.token),
    tokenFile: str(user.tokenFile) ? (isAbsolute(str(user.tokenFile)!) ? str(user.tokenFile) : join(base, str(user.tokenFile)!)) : undefined,
    basic: username ? { username, password: str(user.password) ?? '' } : undefined,
    source,
  };
}

/** The ServiceAccount the pod runs as (KUBERNETES_SERVICE_HOST/PORT, token and CA under IN_CLUSTER_DIR). */
export function inCluster(env: NodeJS.ProcessEnv = process.env, dir = IN_CLUSTER_DIR): ClientConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(join(dir, 'token'))) return undefined;
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: existsSync(join(dir, 'ca.crt')) ? Buffer.from(readFileBounded(join(dir, 'ca.crt'), READ_CAPS.secret)) : undefined,
    rejectUnauthorized: true,
    tokenFile: join(dir, 'token'),
    source: 'in-cluster ServiceAccount',
  };
}

/**
 * The client configuration: `path` if given, else $KUBECONFIG (its first file), else in-cluster, else
 * ~/.kube/config. Throws with the source named when nothing usable is found.
 */
export function loadClientConfig(path?: string, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const explicit = path ?? env.KUBECONFIG?.split(':').find((p) => p !== '');
  if (explicit) return fromKubeconfigText(readFileBounded(explicit, READ_CAPS.config), dirname(explicit), explicit);
  const pod = inCluster(env);
  if (pod) return pod;
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromKubeconfigText(readFileBounded(home, READ_CAPS.config), dirname(home), home);
  throw new Error('no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a pod with a ServiceAccount token');
}

/** Authorization header for the configuration now (reads tokenFile). */
export function authHeaders(c: ClientConfig): Record<string, string> {
  const token = c.tokenFile ? readFileBounded(c.tokenFile, READ_CAPS.secret).trim() : c.token;
  if (token) return { Authorization: `Bearer ${token}` };
  if (c.basic) return { Authorization: `Basic ${Buffer.from(`${c.basic.username}:${c.basic.password}`).toString('base64')}` };
  return {};
}
