// One reconcile of one LogServer, level-based (it reads the whole state every time, so a restart or a missed
// event costs nothing but a repeat): validate -> build desired children -> make sure every child's name is
// free or already ours -> server-side apply (wave by wave, concurrently within a wave) -> prune what the spec
// no longer wants -> status from the workload -> Events for condition transitions.
import type { Logger } from 'pino';
import type { Condition, LogServer, LogServerSpec, LogServerStatus } from '../api/types.js';
import { describeErrors, validateSpec } from '../api/validate.js';
import { INSTANCE_LABEL, MANAGED_BY, MANAGED_BY_LABEL, selectorString, type Owner } from '../manifests/common.js';
import { describeStorage } from '../manifests/statefulset.js';
import { CHILD_KINDS, childRef, desiredState, optionalCondition, type ChildKind, type ChildRef, type DesiredChild, type WorkloadView } from '../manifests/children.js';
import { LOGSERVER_RESOURCE } from '../api/schema.js';
import { type KubeObject, type ObjectRef, type Resource, isStatus } from './kube.js';
import { canonicalJson, upToDate, withAppliedHash } from './apply.js';
import { describeUnready, type UnreadyPod } from './pod-health.js';
import { SECRET_HASH_ANNOTATION, podHashSources, sourceKey, sourcesHash, type HashSource, type SecretData } from '../manifests/secret-hash.js';
import { sinksCondition, summarizeSinks, type PodSinks } from './sink-health.js';
import { type ConditionInput, mergeConditions, readyFromPods, transitions, withoutCondition, workloadConditions } from './status.js';
import { TEMPLATE_HASH_ANNOTATION } from '../manifests/deployment.js';

/** The part of the Kubernetes client the reconciler uses (operator/controller/kube.ts implements it). */
export interface ReconcileKube {
  get<T extends KubeObject>(ref: ObjectRef): Promise<T>;
  apply<T extends KubeObject>(res: Resource, obj: KubeObject, subresource?: string): Promise<T>;
  delete(ref: ObjectRef, uid?: string): Promise<boolean>;
}

/** Where condition transitions go (operator/controller/events.ts). */
export interface EventSink {
  record(target: { name: string; namespace: string; uid: string; resourceVersion?: string }, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ReconcileDeps {
  kube: ReconcileKube;
  events: EventSink;
  /** Whether the kind's API is served right now (always true for a kind that is not optional). */
  apiAvailable(kind: ChildKind): boolean;
  /** A child from the informer caches, if the operator has seen it. */
  cachedChild(ref: ChildRef): KubeObject | undefined;
  /**
   * The metadata of whatever object holds a child's name, from a metadata-only cache of every object of the
   * kind (not only the operator's): null when no object does, undefined when that cache cannot tell (not synced
   * yet, or not kept for the kind), which costs a GET instead.
   */
  holderOf?(ref: ChildRef): KubeObject | null | undefined;
  /** The LogServer's ready pods of template `templateHash` and its pods of other templates, from memory (pod-health.ts). */
  podCounts?(namespace: string, name: string, templateHash: string): { ready: number; stale: number };
  /** Why the LogServer's unready pods are not ready, from memory (pod-health.ts); asked only while it is not Ready. */
  unready?(namespace: string, name: string): { pods: UnreadyPod[]; total: number };
  /**
   * Told, at every reconcile of a valid spec, which Secrets and ConfigMaps the LogServer's pods read (none: an
   * empty list), so that a change of one of them requeues it (controller/references.ts).
   */
  referenced?(owner: Owner, sources: readonly HashSource[]): void;
  /** What the LogServer's running pods last said of their sinks (sink-health.ts), from memory; undefined before any answered. */
  sinkReports?(namespace: string, name: string): readonly PodSinks[] | undefined;
  /**
   * True until this process's first sink-health sweep has finished: a LogServer without answers then keeps the
   * status.sinks and SinksHealthy it has (a restarted operator would otherwise remove and re-add them, two status
   * writes per LogServer, before it has asked any pod).
   */
  sinkHealthPending?(): boolean;
  /** Told the LogServer as the API server returned it after a status write (the controller keeps it). */
  statusWritten?(ls: LogServer): void;
  /** The operator's own namespace, admitted to the pods' metrics port by their NetworkPolicy. */
  operatorNamespace?: string;
  /** The table of child kinds (CHILD_KINDS unless a test narrows it). */
  kinds?: readonly ChildKind[];
}

/**
 * success: children applied and status written; invalid: the spec is refused (nothing touched);
 * conflict: a child's name is taken by an object this LogServer does not own (nothing touched; the caller
 * rechecks later, since that object is not watched); gone: the LogServer is deleted or being deleted.
 */
export type ReconcileResult = 'success' | 'invalid' | 'conflict' | 'gone';

function statusEquals(a: LogServerStatus | undefined, b: LogServerStatus): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b);
}

/**
 * True when `obj` is this LogServer's child: its controller reference names this LogServer, or it has no
 * controller at all and carries the labels the operator puts on this LogServer's children (an orphan, say
 * after someone removed the owner reference or deleted an earlier LogServer with --cascade=orphan; taken back
 * the way a ReplicaSet adopts orphaned pods that match it). Anything else is somebody else's object.
 */
export function ownedBy(obj: KubeObject, owner: Owner): boolean {
  const controller = obj.metadata.ownerReferences?.find((o) => o.controller === true);
  if (controller) return controller.uid === owner.uid;
  const labels = obj.metadata.labels ?? {};
  return labels[MANAGED_BY_LABEL] === MANAGED_BY && labels[INSTANCE_LABEL] === owner.name;
}

function describe(ref: ChildRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

export class Reconciler {
  private readonly kinds: readonly ChildKind[];

  constructor(private readonly deps: ReconcileDeps) {
    this.kinds = deps.kinds ?? CHILD_KINDS;
  }

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
      log.warn({ errors: validation.errors }, 'invalid spec');
      await this.reportFailure(ls, 'InvalidSpec', describeErrors(validation.errors), now, log);
      return 'invalid';
    }
    const spec = validation.spec;
    const desired = desiredState(owner, spec, this.kinds, { secretHash: await this.secretHash(owner, spec, log), operatorNamespace: this.deps.operatorNamespace });
    const served = desired.apply.filter((c) => this.deps.apiAvailable(c.kind));

    // Never adopt: a child name held by an object this LogServer does not control stops the whole reconcile
    // before anything is written, so a user's ConfigMap or ServiceAccount is never overwritten or, through a
    // new owner reference, garbage-collected with the LogServer.
    const holders = await Promise.all(served.map((c) => this.foreignHolder(c, owner)));
    const taken = holders.filter((r): r is ChildRef => r !== undefined && r !== FREE_IN_CACHE);
    if (taken.length > 0) return this.nameConflict(ls, taken, now, log);
    // Names only the metadata cache shows free: that cache may be behind (its watch reconnecting after the
    // LogServer's did, or simply later), and a forced apply over a user's object would take it over, so the name
    // is read before the apply (applyChild).
    const unconfirmed = new Set(served.filter((_, i) => holders[i] === FREE_IN_CACHE));

    let workload: WorkloadView = {};
    try {
      const waves = [...new Set(served.map((c) => c.kind.wave))].sort((a, b) => a - b);
      for (const wave of waves) {
        await Promise.all(
          served
            .filter((c) => c.kind.wave === wave)
            .map(async (c) => {
              const object = withAppliedHash(c.object);
              // Unchanged since our last apply and not edited since: the informer's copy is the current state.
              const cached = this.deps.cachedChild(childRef(c.kind, owner));
              const current = cached && ownedBy(cached, owner) && upToDate(object, cached) ? cached : await this.applyChild(c, object, owner, unconfirmed.has(c));
              if (c.kind.workload) workload = c.kind.workload(current as unknown as DesiredChild['object']);
            }),
        );
      }
    } catch (err) {
      if (err instanceof NameTaken) return this.nameConflict(ls, [err.ref], now, log);
      // A generation whose children could not be applied is not Ready, whatever the old pods report.
      await this.reportFailure(ls, 'ApplyFailed', err instanceof Error ? err.message : String(err), now, log).catch(() => undefined);
      throw err;
    }

    const optionalUpdates: ConditionInput[] = [];
    for (const c of desired.apply.filter((d) => d.kind.optional)) {
      optionalUpdates.push(
        this.deps.apiAvailable(c.kind)
          ? { type: optionalCondition(c.kind), status: 'True', reason: 'Applied', message: `${c.kind.kind} applied`, observedGeneration: generation }
          : {
              type: optionalCondition(c.kind),
              status: 'False',
              reason: 'CRDNotInstalled',
              message: `${c.kind.apiVersion} ${c.kind.kind} is not served; it is created once the CRD is installed`,
              observedGeneration: generation,
            },
      );
    }

    await Promise.all(
      desired.unwanted.map(async ({ ref }) => {
        const existing = this.deps.cachedChild(ref);
        if (existing && ownedBy(existing, owner)) {
          log.info({ child: `${ref.kind}/${ref.name}` }, 'pruning child no longer wanted');
          await this.deps.kube.delete(ref, existing.metadata.uid);
        }
      }),
    );

    // The pods' own readiness, ahead of the workload controllers' status writes (status.ts readyFromPods).
    const workloadObject = desired.apply.find((c) => c.kind.workload !== undefined)?.object as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | undefined;
    const hash = workloadObject?.spec?.template?.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION];
    workload = readyFromPods(workload, spec.replicas, hash !== undefined ? this.deps.podCounts?.(owner.namespace, owner.name, hash) : undefined);
    const workloadConds = workloadConditions(spec.replicas, generation, workload);
    this.nameUnreadyPods(workloadConds, owner);
    // Sink health is its own condition (SinksHealthy), so a store's hiccup never flips Ready; without an answer
    // (no running pod answered) neither the condition nor status.sinks is shown.
    const reports = this.deps.sinkReports?.(owner.namespace, owner.name);
    const notAskedYet = !reports && this.deps.sinkHealthPending?.() === true;
    const sinks = reports ? summarizeSinks(spec, reports) : notAskedYet ? ls.status?.sinks : undefined;
    const sinkConds = reports && sinks ? [sinksCondition(sinks, generation)] : [];
    let conditions: Condition[] = mergeConditions(previous, [...workloadConds, ...optionalUpdates, ...sinkConds], now);
    if (!sinks && !notAskedYet) conditions = withoutCondition(conditions, 'SinksHealthy');
    for (const { kind } of desired.unwanted) if (kind.optional) conditions = withoutCondition(conditions, optionalCondition(kind));
    const status: LogServerStatus = {
      observedGeneration: generation,
      conditions,
      replicas: workload.status?.replicas ?? 0,
      readyReplicas: workload.status?.readyReplicas ?? 0,
      readyOfDesired: `${workload.status?.readyReplicas ?? 0}/${spec.replicas}`,
      selector: selectorString(owner),
      endpoint: desired.endpoint,
      configHash: desired.configHash,
      storage: describeStorage(owner, spec),
      ...(sinks ? { sinks } : {}),
    };
    await this.writeStatus(ls, status, log);
    return 'success';
  }

  /**
   * The reconcile of this generation stopped before its children were in place (reason InvalidSpec,
   * NameConflict or ApplyFailed): Ready=False and Degraded=True, both saying why; the rest of the status stays.
   */
  private async reportFailure(ls: LogServer, reason: string, message: string, now: string, log: Logger): Promise<void> {
    const observedGeneration = ls.metadata.generation ?? 0;
    const conditions = mergeConditions(
      ls.status?.conditions,
      [
        { type: 'Ready', status: 'False', reason, message, observedGeneration },
        { type: 'Degraded', status: 'True', reason, message, observedGeneration },
      ],
      now,
    );
    await this.writeStatus(ls, { ...ls.status, observedGeneration, conditions }, log);
  }

  /** Appends to a False Ready condition which pods are not ready and why (the collector's failing checks). */
  private nameUnreadyPods(workload: ConditionInput[], owner: Owner): void {
    const ready = workload.find((c) => c.type === 'Ready');
    if (!ready || ready.status !== 'False' || !this.deps.unready) return;
    const { pods, total } = this.deps.unready(owner.namespace, owner.name);
    if (pods.length) ready.message = `${ready.message}; ${describeUnready(pods, total)}`;
    // A pod that no node can take (no node fits, a claim that cannot bind) does not wait out a progress
    // deadline: the LogServer is Degraded now, in the scheduler's words.
    const stuck = pods.find((p) => p.unschedulable !== undefined);
    const degraded = workload.find((c) => c.type === 'Degraded');
    if (stuck && degraded && degraded.status !== 'True') {
      Object.assign(degraded, { status: 'True', reason: 'Unschedulable', message: `pod ${stuck.pod} cannot be scheduled: ${stuck.unschedulable}` });
    }
  }

  /**
   * The digest of what the pods read from the Secrets and ConfigMaps the spec names (manifests/secret-hash.ts):
   * the CURVE server key, the allowed client keys and the sinks' credentials; an object not found counts as
   * `missing`. Any other failure (RBAC not yet granted, an API hiccup) keeps the value the workload's template has
   * now, so a failed read never rolls the pods. Only names are logged, never content. The objects read are told
   * to `deps.referenced`, whose watch requeues this LogServer when one of them changes.
   */
  private async secretHash(owner: Owner, spec: LogServerSpec, log: Logger): Promise<string | undefined> {
    const sources = podHashSources(spec);
    this.deps.referenced?.(owner, sources);
    if (sources.length === 0) return undefined;
    // Read at once, not one after the other: each is a round trip in the reconcile's critical path.
    const unique = [...new Map(sources.map((s) => [sourceKey(s), s])).values()];
    const read = await Promise.all(
      unique.map(async (s): Promise<[string, SecretData | undefined] | { failed: HashSource; err: unknown }> => {
        const res = s.kind === 'Secret' ? { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' } : { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' };
        try {
          return [sourceKey(s), await this.deps.kube.get<KubeObject & SecretData>({ ...res, namespace: owner.namespace, name: s.name })];
        } catch (err) {
          return isStatus(err, 404) ? [sourceKey(s), undefined] : { failed: s, err };
        }
      }),
    );
    const failed = read.find((r) => !Array.isArray(r));
    if (failed && !Array.isArray(failed)) {
      const { failed: s, err } = failed;
      log.warn({ [s.kind === 'Secret' ? 'secret' : 'configMap']: s.name, err: err instanceof Error ? err.message : String(err) }, `${s.kind} not readable; the pods keep their current secret hash`);
      const kind = this.kinds.find((k) => k.workload !== undefined);
      const current = kind ? (this.deps.cachedChild(childRef(kind, owner)) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | undefined) : undefined;
      return current?.spec?.template?.metadata?.annotations?.[SECRET_HASH_ANNOTATION];
    }
    const objects = new Map(read.filter((r): r is [string, SecretData | undefined] => Array.isArray(r)));
    return sourcesHash(sources, objects);
  }

  /**
   * The child's ref when its name is held by an object this LogServer does not control. The caches answer
   * without a request when the name is free or held by this LogServer; anything else (a user's object, or a
   * name the caches cannot vouch for) is read from the API server, so a conflict is never declared on a cache's
   * word alone.
   */
  /**
   * Applies one child. `unconfirmed`: only the metadata cache says its name is free, so the name is read first:
   * free or ours, it is applied; anyone else's, NameTaken. One GET per new child. (fea2d32 sent the apply with a
   * fresh uid instead, meant to be refused only over an existing object; the API server refuses it for a create
   * too (409, the uid precondition fails against no object), so each new child cost a refused PATCH, a GET and
   * the PATCH: three requests where this takes two.)
   */
  private async applyChild(c: DesiredChild, object: KubeObject, owner: Owner, unconfirmed: boolean): Promise<KubeObject> {
    if (unconfirmed) {
      const ref = childRef(c.kind, owner);
      let live: KubeObject | undefined;
      try {
        live = await this.deps.kube.get<KubeObject>(ref);
      } catch (e) {
        if (!isStatus(e, 404)) throw e;
      }
      if (live && !ownedBy(live, owner)) throw new NameTaken(ref);
    }
    return this.deps.kube.apply<KubeObject>(c.kind, object);
  }

  private async nameConflict(ls: LogServer, taken: ChildRef[], now: string, log: Logger): Promise<'conflict'> {
    const message = `${taken.map(describe).join(', ')} already exist${taken.length === 1 ? 's' : ''} and ${taken.length === 1 ? 'is' : 'are'} not owned by this LogServer; rename or delete ${taken.length === 1 ? 'it' : 'them'}`;
    log.warn({ conflicts: taken.map(describe) }, 'child name taken: nothing applied');
    await this.reportFailure(ls, 'NameConflict', message, now, log);
    return 'conflict';
  }

  /** A child's name held by an object this LogServer does not own (undefined: free or ours; FREE_IN_CACHE: see applyChild). */
  private async foreignHolder(c: DesiredChild, owner: Owner): Promise<ChildRef | typeof FREE_IN_CACHE | undefined> {
    const ref = childRef(c.kind, owner);
    const cached = this.deps.cachedChild(ref);
    if (cached && ownedBy(cached, owner)) return undefined;
    const holder = this.deps.holderOf?.(ref);
    if (holder === null) return FREE_IN_CACHE;
    if (holder && ownedBy(holder, owner)) return undefined;
    try {
      const live = await this.deps.kube.get<KubeObject>(ref);
      return ownedBy(live, owner) ? undefined : ref;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private async writeStatus(ls: LogServer, status: LogServerStatus, log: Logger): Promise<void> {
    const before = ls.status?.conditions;
    if (statusEquals(ls.status, status)) return;
    const written = await this.deps.kube.apply<LogServer & KubeObject>(
      LOGSERVER_RESOURCE,
      { apiVersion: ls.apiVersion, kind: ls.kind, metadata: { name: ls.metadata.name, namespace: ls.metadata.namespace }, status } as KubeObject,
      'status',
    );
    this.deps.statusWritten?.(written);
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

/** foreignHolder's answer for a name only the metadata cache shows free (applyChild guards its apply). */
const FREE_IN_CACHE = Symbol('free in the names cache');

/** A child's name found held by another object while applying (reported as NameConflict). */
class NameTaken extends Error {
  constructor(readonly ref: ChildRef) {
    super(`${ref.kind} ${ref.namespace}/${ref.name} is held by an object this LogServer does not own`);
  }
}
