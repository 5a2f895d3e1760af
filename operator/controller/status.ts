// Pure status logic: conditions from what the workload (manifests/children.ts WorkloadView) reports, condition bookkeeping (metav1.Condition
// rules: lastTransitionTime moves only when status changes), and which changes deserve an Event.
import type { Condition } from '../api/types.js';
import type { WorkloadView } from '../manifests/children.js';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/** Replaces or adds each condition; keeps lastTransitionTime when the status did not change. */
export function mergeConditions(current: readonly Condition[] | undefined, updates: readonly ConditionInput[], now: string): Condition[] {
  const out = [...(current ?? [])];
  for (const u of updates) {
    const i = out.findIndex((c) => c.type === u.type);
    const prev = i >= 0 ? out[i] : undefined;
    const next: Condition = { ...u, lastTransitionTime: prev && prev.status === u.status ? prev.lastTransitionTime : now };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}

export function withoutCondition(conds: readonly Condition[], type: string): Condition[] {
  return conds.filter((c) => c.type !== type);
}

const WARNING_REASONS = new Set(['InvalidSpec', 'CRDNotInstalled', 'ApplyFailed', 'NameConflict', 'SinkFailing']);

export interface Transition {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
  warning: boolean;
}

/** A condition that says all is well: worth a status field, not an Event (client-go controllers do the same). */
export function isWell(c: Pick<Condition, 'type' | 'status'>): boolean {
  if (c.type === 'Degraded' || c.type === 'Progressing') return c.status === 'False';
  return c.status === 'True';
}

/**
 * Condition changes worth an Event: status or reason changed (new conditions included), and the condition now
 * says something is wrong or happening. Not-ready while a rollout is in progress is told once, by Progressing.
 */
export function transitions(before: readonly Condition[] | undefined, after: readonly Condition[]): Transition[] {
  const out: Transition[] = [];
  const rolling = after.some((c) => c.type === 'Progressing' && c.status === 'True');
  for (const c of after) {
    const prev = before?.find((b) => b.type === c.type);
    if (prev && prev.status === c.status && prev.reason === c.reason) continue;
    if (isWell(c)) continue;
    if (c.type === 'Ready' && c.reason === 'ReplicasNotReady' && rolling) continue;
    // A rollout is news; a broken spec, a name conflict or a missing dependency needs a human.
    const bad = (c.type === 'Degraded' && c.status === 'True') || WARNING_REASONS.has(c.reason) || c.type === 'Ready';
    out.push({ type: c.type, status: c.status, reason: c.reason, message: c.message, warning: bad });
  }
  return out;
}

/**
 * The workload's view with the pods' own word: when every pod of the LogServer that is not being deleted runs the
 * template applied now and at least `replicas` of them are Ready, the rollout is done, whatever the workload's
 * status (written by the rate-limited Deployment/StatefulSet and ReplicaSet controllers, seconds later under
 * load) still says. Anything less leaves the view as it is: the workload's status stays the authority on a
 * rollout in progress, on unavailable replicas and on its own failure conditions.
 */
export function readyFromPods(view: WorkloadView, replicas: number, pods: { ready: number; stale: number } | undefined): WorkloadView {
  if (!pods || replicas === 0 || pods.stale > 0 || pods.ready < replicas) return view;
  const s = view.status ?? {};
  if ((s.readyReplicas ?? 0) >= replicas && (s.observedGeneration ?? 0) >= (view.generation ?? 0) && (s.replicas ?? 0) === (s.updatedReplicas ?? 0)) return view;
  return {
    generation: view.generation,
    status: { ...s, observedGeneration: view.generation, replicas: pods.ready, updatedReplicas: pods.ready, readyReplicas: pods.ready, availableReplicas: pods.ready },
  };
}

/** Ready / Progressing / Degraded from the workload (its rollout status, as a Deployment reports it), for a LogServer at `generation` wanting `replicas`. */
export function workloadConditions(replicas: number, generation: number, d: WorkloadView): ConditionInput[] {
  const s = d.status ?? {};
  const updated = s.updatedReplicas ?? 0;
  const ready = s.readyReplicas ?? 0;
  const total = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const observed = (s.observedGeneration ?? 0) >= (d.generation ?? 0);
  const rolling = !observed || updated < replicas || total > updated || available < updated;
  const deadline = s.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
  const failure = s.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const isReady = !rolling && ready >= replicas;
  const counts = `${ready}/${replicas} ready, ${updated} updated, ${total} total`;
  // The message says why, in the same terms as the status: never "Ready=False: 2/2 ready" without the reason.
  const readyMessage = isReady
    ? `${ready}/${replicas} replicas ready`
    : !observed
      ? `the workload controller has not yet seen generation ${d.generation ?? 0}: ${counts}`
      : rolling
        ? `rolling out: ${counts}`
        : `${ready}/${replicas} replicas ready`;
  return [
    {
      type: 'Ready',
      status: isReady ? 'True' : 'False',
      reason: isReady ? (replicas === 0 ? 'ScaledToZero' : 'AllReplicasReady') : 'ReplicasNotReady',
      message: readyMessage,
      observedGeneration: generation,
    },
    {
      type: 'Progressing',
      status: rolling ? 'True' : 'False',
      reason: rolling ? 'RollingUpdate' : 'RolloutComplete',
      message: rolling ? `rolling out: ${counts}` : `rollout complete: ${counts}`,
      observedGeneration: generation,
    },
    deadline || failure
      ? {
          type: 'Degraded',
          status: 'True',
          reason: deadline ? 'ProgressDeadlineExceeded' : 'ReplicaFailure',
          message: (deadline ?? failure)?.message ?? '',
          observedGeneration: generation,
        }
      : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'children applied', observedGeneration: generation },
  ];
}
