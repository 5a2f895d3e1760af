// Shared set-up of the operator's control-plane tests: a harness cluster with the LogServer CRD, the
// operator's ClusterRole bound to a ServiceAccount, and operator processes that authenticate as that
// ServiceAccount with a real token (so RBAC is the real thing; a Forbidden shows up in their logs).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../cluster/bins.js';
import { useCluster, type Cluster, type ClusterOptions } from '../cluster/harness.js';
import { CLUSTER_ROLE_NAME, LEADER_ELECTION_ROLE_NAME } from '../../operator/rbac/rules.js';

export const OPERATOR_NAMESPACE = 'zlog-system';
export const OPERATOR_SA = 'zlog-operator';

// One repoRoot for every test helper (test/cluster/bins.ts); re-exported for the operator tests that import it here.
export { repoRoot };

export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}

/** A JSON object as kubectl prints it; tests read nested fields through this loose shape. */
export type Obj = Record<string, any>;

export async function getJson(c: Cluster, args: string[]): Promise<Obj> {
  return JSON.parse(await c.kubectlOk([...args, '-o', 'json'])) as Obj;
}

/** undefined when kubectl says NotFound. */
export async function getOptional(c: Cluster, args: string[]): Promise<Obj | undefined> {
  const r = await c.kubectl([...args, '-o', 'json']);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as Obj;
}

export async function applyJson(c: Cluster, obj: unknown, extra: string[] = []): Promise<string> {
  return c.kubectlOk(['apply', ...extra, '-f', '-'], { input: JSON.stringify(obj) });
}

export function condition(ls: Obj | undefined, type: string): Obj | undefined {
  return (ls?.status?.conditions as Obj[] | undefined)?.find((c) => c.type === type);
}

export function logServer(name: string, namespace: string, spec: Obj = {}): Obj {
  return { apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', metadata: { name, namespace }, spec };
}

/** Waits until the LogServer reports Ready=True for its current generation. */
export async function waitReady(c: Cluster, namespace: string, name: string, timeoutMs = 120_000): Promise<Obj> {
  return until(`LogServer ${namespace}/${name} Ready`, timeoutMs, async () => {
    const ls = await getJson(c, ['get', 'logserver', name, '-n', namespace]);
    const ready = condition(ls, 'Ready');
    return ready?.status === 'True' && ls.status?.observedGeneration === ls.metadata.generation ? ls : undefined;
  });
}

export interface OperatorEnv {
  cluster: Cluster;
  /** kubeconfig of the operator's ServiceAccount (a real token). */
  operatorKubeconfig: string;
}

/** A cluster with controllers and kwok nodes, the CRD installed and the operator's identity bound. */
export async function useOperatorCluster(t: { after(fn: () => unknown): void }, opts: ClusterOptions = {}): Promise<OperatorEnv> {
  const cluster = await useCluster(t, { controllers: true, kwokNodes: 2, ...opts });
  await cluster.kubectlOk(['apply', '-f', join(repoRoot(), 'crds/logging.zlog.dev_logservers.yaml')]);
  await cluster.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/logservers.logging.zlog.dev'], { timeoutMs: 70_000 });
  await cluster.createNamespace(OPERATOR_NAMESPACE);
  await cluster.kubectlOk(['apply', '-f', join(repoRoot(), 'operator/rbac/clusterrole.yaml')]);
  await cluster.kubectlOk(['create', 'serviceaccount', OPERATOR_SA, '-n', OPERATOR_NAMESPACE]);
  await cluster.kubectlOk(['create', 'clusterrolebinding', 'zlog-operator', `--clusterrole=${CLUSTER_ROLE_NAME}`, `--serviceaccount=${OPERATOR_NAMESPACE}:${OPERATOR_SA}`]);
  // The leader-election Lease: a Role in the operator's own namespace only.
  await cluster.kubectlOk(['apply', '-n', OPERATOR_NAMESPACE, '-f', join(repoRoot(), 'operator/rbac/leader-election-role.yaml')]);
  await cluster.kubectlOk(['create', 'rolebinding', 'zlog-operator-leader-election', '-n', OPERATOR_NAMESPACE, `--role=${LEADER_ELECTION_ROLE_NAME}`, `--serviceaccount=${OPERATOR_NAMESPACE}:${OPERATOR_SA}`]);
  const operatorKubeconfig = await cluster.writeKubeconfigFor({ serviceAccount: { namespace: OPERATOR_NAMESPACE, name: OPERATOR_SA }, expirationSeconds: 7200 });
  return { cluster, operatorKubeconfig };
}

export interface LogLine {
  level: number;
  msg: string;
  key?: string;
  [k: string]: unknown;
}

/** One operator process, killed by PID when the test ends. */
export class OperatorProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  port = 0;
  private readonly exited: Promise<number | null>;
  private peakRssKb = 0;

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as LogLine);
      } catch {
        this.stderr.push(l);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (l) => this.stderr.push(l));
  }

  static async start(
    t: { after(fn: () => unknown): void },
    env: OperatorEnv,
    extraArgs: string[] = [],
    /** Another build of the operator (a benchmark's baseline); this tree's by default. */
    mainScript = join(repoRoot(), 'dist/operator/main.js'),
    /** Node's own flags before the script (a benchmark's variant, e.g. --max-semi-space-size=1). */
    nodeArgs: string[] = [],
    /** Extra environment variables (a benchmark's variant, e.g. MALLOC_ARENA_MAX). */
    extraEnv: Record<string, string> = {},
  ): Promise<OperatorProcess> {
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        mainScript,
        '--kubeconfig', env.operatorKubeconfig,
        '--metrics-bind-address', '127.0.0.1:0',
        '--leader-election-namespace', OPERATOR_NAMESPACE,
        '--servicemonitor-poll-seconds', '2',
        '--lease-duration-seconds', '6',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } },
    );
    const op = new OperatorProcess(child);
    t.after(() => op.kill('SIGKILL'));
    const started = await until('operator start-up line', 30_000, async () => {
      if (child.exitCode !== null) assert.fail(`operator exited ${child.exitCode}: ${op.stderr.join('\n')}`);
      return op.lines.find((l) => l.msg === 'zlog operator started');
    });
    op.port = Number(started.port);
    return op;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
    }
  }

  wait(): Promise<number | null> {
    return this.exited;
  }

  /** Samples RSS from /proc (kB); the peak seen so far is kept. */
  sampleRss(): number {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (m) this.peakRssKb = Math.max(this.peakRssKb, Number(m[1]));
    } catch {
      // exited
    }
    return this.peakRssKb;
  }

  /** VmHWM: the kernel's own peak RSS of the process (kB). */
  /** The RSS now (VmRSS, KiB); 0 once the process is gone. */
  currentRssKb(): number {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  peakRssFromKernelKb(): number {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : this.peakRssKb;
    } catch {
      return this.peakRssKb;
    }
  }

  async metrics(): Promise<string> {
    const r = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    return r.text();
  }

  /** Lines mentioning a refusal by RBAC. */
  forbidden(): LogLine[] {
    return this.lines.filter((l) => /forbidden|\b403\b/i.test(JSON.stringify(l)));
  }

  isLeader(): boolean {
    return this.lines.some((l) => l.msg === 'became leader');
  }
}

/** The value of a counter or gauge line in Prometheus text. */
export function metricValue(text: string, name: string, labels = ''): number {
  const re = new RegExp(`^${name}${labels ? `\\{${labels.replace(/[{}]/g, '')}\\}` : '(\\{[^}]*\\})?'} ([0-9.e+-]+)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[2] ?? m[1]) : NaN;
}
