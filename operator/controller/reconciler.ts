// One reconcile of one LogServer, level-based (it reads the whole state every time, so a restart or a missed
// event costs nothing but a repeat): validate -> build desired children -> server-side apply -> prune what the
// spec no longer wants -> status from the Deployment -> Events for condition transitions.
import type { Logger } from 'pino';
import type { Condition, LogServer, LogServerStatus } from '../api/types.js';
import { describeErrors, validateSpec } from '../api/validate.js';
import { selectorString, type Owner } from '../manifests/common.js';
import { desiredState, type ChildRef } from '../manifests/index.js';
import type { EventRecorder } from './events.js';
import { type Kube, type KubeObject } from './kube.js';
import { describeUnready, type UnreadyPod } from './pod-health.js';
import { type DeploymentView, type ConditionInput, mergeConditions, transitions, withoutCondition, workloadConditions } from './status.js';

export interface ReconcileDeps {
  kube: Kube;
  events: EventRecorder;
  /** Whether the ServiceMonitor API is served right now. */
  serviceMonitorsAvailable(): boolean;
  /** A child from the informer caches, if the operator has seen it. */
  cachedChild(ref: ChildRef): KubeObject | undefined;
  /** Why the LogServer's unready pods are not ready (pod-health.ts); asked only while it is not Ready. */
  unreadyReasons?(namespace: string, selector: string, port: number): Promise<{ pods: UnreadyPod[]; total: number }>;
}

export type ReconcileResult = 'success' | 'invalid' | 'gone';

const SM_CONDITION = 'ServiceMonitorReady';

// The API server returns custom resources with sorted keys; compare independent of key order.
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
}

function statusEquals(a: LogServerStatus | undefined, b: LogServerStatus): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b));
}

export class Reconciler {
  constructor(private readonly deps: ReconcileDeps) {}

  async reconcile(ls: LogServer | undefined, log: Logger): Promise<ReconcileResult> {
    // Deleted (or being deleted): owner references let the garbage collector remove the children.
    if (!ls || ls.metadata.deletionTimestamp) return 'gone';
    const owner: Owner = { name: ls.metadata.name, namespace: ls.metadata.namespace, uid: ls.metadata.uid };
    const generation = ls.metadata.generation ?? 0;
    const now = new Date().toISOString();
    const previous = ls.status?.conditions ?? [];

    const validation = validateSpec(ls.spec);
    if (!validation.ok) {
      // Children stay exactly as they are: nothing is applied or pruned for an invalid spec.
      const message = describeErrors(validation.errors);
      log.warn({ errors: validation.errors }, 'invalid spec');
      const conditions = mergeConditions(
        previous,
        [
          { type: 'Ready', status: 'False', reason: 'InvalidSpec', message, observedGeneration: generation },
          { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message, observedGeneration: generation },
        ],
        now,
      );
      await this.writeStatus(ls, { ...ls.status, observedGeneration: generation, conditions }, log);
      return 'invalid';
    }
    const spec = validation.spec;
    const desired = desiredState(owner, spec);

    let deployment: DeploymentView = {};
    try {
      for (const obj of desired.apply) {
        const applied = await this.deps.kube.apply<KubeObject & DeploymentView>(obj);
        if (obj.kind === 'Deployment') deployment = { generation: applied.metadata.generation, status: applied.status };
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const conditions = mergeConditions(previous, [{ type: 'Degraded', status: 'True', reason: 'ApplyFailed', message, observedGeneration: generation }], now);
      await this.writeStatus(ls, { ...ls.status, conditions }, log).catch(() => undefined);
      throw err;
    }

    const smUpdates: ConditionInput[] = [];
    const smAvailable = this.deps.serviceMonitorsAvailable();
    if (desired.serviceMonitor) {
      if (smAvailable) {
        await this.deps.kube.apply(desired.serviceMonitor);
        smUpdates.push({ type: SM_CONDITION, status: 'True', reason: 'Applied', message: 'ServiceMonitor applied', observedGeneration: generation });
      } else {
        smUpdates.push({
          type: SM_CONDITION,
          status: 'False',
          reason: 'CRDNotInstalled',
          message: 'monitoring.coreos.com/v1 ServiceMonitor is not served; it is created once the CRD is installed',
          observedGeneration: generation,
        });
      }
    }

    for (const ref of desired.unwanted) {
      if (ref.kind === 'ServiceMonitor' && !smAvailable) continue;
      const existing = this.deps.cachedChild(ref);
      const owned = existing?.metadata.ownerReferences?.some((o) => o.uid === owner.uid);
      if (existing && owned) {
        log.info({ child: `${ref.kind}/${ref.name}` }, 'pruning child no longer wanted');
        await this.deps.kube.delete(ref, existing.metadata.uid);
      }
    }

    const workload = workloadConditions(spec.replicas, generation, deployment);
    await this.nameUnreadyPods(workload, owner, spec.metricsPort, log);
    let conditions: Condition[] = mergeConditions(previous, [...workload, ...smUpdates], now);
    if (!desired.serviceMonitor) conditions = withoutCondition(conditions, SM_CONDITION);
    const status: LogServerStatus = {
      observedGeneration: generation,
      conditions,
      replicas: deployment.status?.replicas ?? 0,
      readyReplicas: deployment.status?.readyReplicas ?? 0,
      selector: selectorString(owner),
      endpoint: desired.endpoint,
      configHash: desired.configHash,
    };
    await this.writeStatus(ls, status, log);
    return 'success';
  }

  /** Appends to a False Ready condition which pods are not ready and why (the collector's failing checks). */
  private async nameUnreadyPods(workload: ConditionInput[], owner: Owner, port: number, log: Logger): Promise<void> {
    const ready = workload.find((c) => c.type === 'Ready');
    if (!ready || ready.status !== 'False' || !this.deps.unreadyReasons) return;
    try {
      const { pods, total } = await this.deps.unreadyReasons(owner.namespace, selectorString(owner), port);
      if (pods.length) ready.message = `${ready.message}; ${describeUnready(pods, total)}`;
    } catch (err) {
      // Reporting only: a failed pod list must not fail the reconcile.
      log.debug({ err: (err as Error).message }, 'could not list pods to name why they are not ready');
    }
  }

  private async writeStatus(ls: LogServer, status: LogServerStatus, log: Logger): Promise<void> {
    const before = ls.status?.conditions;
    if (statusEquals(ls.status, status)) return;
    await this.deps.kube.apply(
      { apiVersion: ls.apiVersion, kind: ls.kind, metadata: { name: ls.metadata.name, namespace: ls.metadata.namespace }, status } as KubeObject,
      'status',
    );
    for (const t of transitions(before, status.conditions ?? [])) {
      log.info({ condition: t.type, status: t.status, reason: t.reason }, 'condition changed');
      this.deps.events.record(
        { name: ls.metadata.name, namespace: ls.metadata.namespace, uid: ls.metadata.uid, resourceVersion: ls.metadata.resourceVersion },
        t.warning ? 'Warning' : 'Normal',
        t.reason,
        `${t.type}=${t.status}: ${t.message}`,
      );
    }
  }
}
