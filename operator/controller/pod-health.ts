// Why a LogServer's pods are not ready, in the collector's own words. The kubelet's Ready condition only says
// "containers with unready status", so for each unready pod (at most MAX_PODS per reconcile, 1 s each) the
// operator asks the pod's /readyz, whose 503 body names the failing checks ("[-]sink:file failed: ...",
// collector/health/evaluate.ts). Runs only while the LogServer is not Ready, so it costs nothing otherwise.
import type { Kube, KubeObject } from './kube.js';

export const MAX_PODS = 3;
const PROBE_TIMEOUT_MS = 1000;

export interface PodView extends KubeObject {
  status?: { podIP?: string; phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

export interface UnreadyPod {
  pod: string;
  reason: string;
}

/** Pods whose Ready condition is not True, by name (the order in the status is stable). */
export function unreadyPods(pods: readonly PodView[]): PodView[] {
  return pods.filter((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * The failing checks a collector's /readyz body names ("[-]sink:file failed: ..." -> "sink:file"). Names only:
 * the details carry changing numbers, and a condition message that changes on every reconcile would rewrite
 * the status (and wake the operator) forever. `zlog health-check --ready` in the pod shows the details.
 */
export function readyzReasons(body: string): string[] {
  return [...body.matchAll(/^\[-\](\S+) failed: /gm)].map((m) => m[1]).slice(0, 10);
}

/** One line for the Ready condition's message. */
export function describeUnready(list: readonly UnreadyPod[], total: number): string {
  const more = total > list.length ? `; ${total - list.length} more not ready` : '';
  return list.map((u) => `pod ${u.pod} not ready: ${u.reason}`).join('; ') + more;
}

/** What the pod's own condition says, when its /readyz cannot be asked or names nothing. */
function conditionReason(p: PodView): string {
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return `no Ready condition yet (phase ${p.status?.phase ?? 'unknown'})`;
  return [c.reason, c.message].filter(Boolean).join(': ') || 'Ready=False';
}

/** Lists the LogServer's pods and names why each unready one (up to MAX_PODS) is not ready. */
export async function unreadyReasons(kube: Kube, namespace: string, selector: string, port: number): Promise<{ pods: UnreadyPod[]; total: number }> {
  const list = await kube.list<PodView>({ apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespace }, { labelSelector: selector });
  const unready = unreadyPods(list.items ?? []);
  const pods = await Promise.all(
    unready.slice(0, MAX_PODS).map(async (p): Promise<UnreadyPod> => {
      const ip = p.status?.podIP;
      if (!ip || p.metadata.deletionTimestamp) return { pod: p.metadata.name, reason: p.metadata.deletionTimestamp ? 'terminating' : conditionReason(p) };
      try {
        const host = ip.includes(':') ? `[${ip}]` : ip;
        const res = await fetch(`http://${host}:${port}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        const reasons = res.ok ? [] : readyzReasons(await res.text());
        return { pod: p.metadata.name, reason: reasons.length ? `failing checks ${reasons.join(', ')}` : conditionReason(p) };
      } catch (err) {
        return { pod: p.metadata.name, reason: `${conditionReason(p)} (/readyz unreachable: ${(err as Error).name})` };
      }
    }),
  );
  return { pods, total: unready.length };
}
