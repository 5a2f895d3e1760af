// Small typed helpers over the cluster harness's kubectl for the journey tests.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Cluster, KubectlOptions } from '../../cluster/harness.js';
import { repoRoot } from '../../cluster/bins.js';
import { join } from 'node:path';
import type { Condition, ObjectMeta as OperatorObjectMeta } from '../../../operator/api/types.js';

export { serviceMonitorCrdPath } from '../../helpers/servicemonitor-crd.js';

/** The operator's ObjectMeta, with the namespace optional: these helpers also read cluster-scoped objects. */
export type ObjectMeta = Omit<OperatorObjectMeta, 'namespace'> & { namespace?: string };

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export async function getJson<T = KubeObject>(c: Cluster, args: string[], opts?: KubectlOptions): Promise<T> {
  return JSON.parse(await c.kubectlOk([...args, '-o', 'json'], opts)) as T;
}

export async function list(c: Cluster, args: string[], opts?: KubectlOptions): Promise<KubeObject[]> {
  return (await getJson<{ items: KubeObject[] }>(c, args, opts)).items;
}

/** `kubectl auth can-i` as someone; true/false, throwing on anything else. */
export async function canI(c: Cluster, asUser: string, verb: string, resource: string, namespace?: string): Promise<boolean> {
  // "logservers.logging.zlog.dev/status": kubectl reads the part after "/" as an object name, so pass it as --subresource.
  const [res, sub] = resource.split('/');
  const r = await c.kubectl(['auth', 'can-i', verb, res, ...(sub ? [`--subresource=${sub}`] : []), ...(namespace ? ['-n', namespace] : ['--all-namespaces'])], { asUser });
  const answer = r.stdout.trim();
  if (answer === 'yes') return true;
  if (answer === 'no') return false;
  throw new Error(`kubectl auth can-i ${verb} ${resource} as ${asUser}: ${r.stdout}${r.stderr}`);
}

export function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  const conds = (obj.status?.conditions ?? []) as Condition[];
  return conds.find((c) => c.type === type);
}
