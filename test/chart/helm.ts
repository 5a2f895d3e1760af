// Runs the real helm binary (built by test/cluster/build-bins.sh; ZLOG_BIN_HELM overrides) on charts/zlog.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { binPath, repoRoot, versions } from '../cluster/bins.js';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A rendered Kubernetes object: only the identity fields are typed, the rest is checked by the schemas. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export const chartDir = (): string => join(repoRoot(), 'charts/zlog');

/**
 * The Kubernetes version offline renders assume: the one the test control plane runs. Without it helm falls back
 * to a built-in default (v1.20 in a helm built from source), which the chart's kubeVersion refuses.
 */
export const kubeVersionArgs = (): string[] => ['--kube-version', versions().KUBERNETES_VERSION];

export function helm(args: string[], opts: { kubeconfig?: string; timeoutMs?: number; input?: string } = {}): Promise<HelmResult> {
  const bin = binPath('helm');
  return new Promise((resolve, reject) => {
    // HELM_* dirs in a temporary place: the test must not read or write the user's helm config or cache.
    const home = join(process.env.TMPDIR ?? '/tmp', `zlog-helm-home-${process.pid}`);
    const child = spawn(bin, args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_DATA_HOME: join(home, 'data'),
        ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** `helm template` of the chart with --set/--values arguments; throws with helm's stderr when it fails. */
export async function renderChart(extraArgs: string[] = [], release = 'zlog', namespace = 'zlog-system'): Promise<RenderedObject[]> {
  const r = await helm(['template', release, chartDir(), '--namespace', namespace, '--include-crds', ...kubeVersionArgs(), ...extraArgs]);
  if (r.code !== 0) throw new Error(`helm template ${extraArgs.join(' ')} failed (${r.code}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

export function parseManifests(text: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
    const obj = doc.toJS() as RenderedObject | null;
    if (obj) out.push(obj);
  }
  return out;
}
