// The collector pod template, and the Deployment that runs it with emptyDir storage (statefulset.ts runs it with a
// claim per replica). The Deployment rolls one extra pod at a time and never goes below the wanted replicas
// (maxUnavailable 0), drains a stopping pod through its preStop hook before SIGTERM, and restarts pods when
// the rendered config changes (config-hash annotation on the template).
import { createHash } from 'node:crypto';
import type { V1Deployment, V1EnvVar, V1PodTemplateSpec, V1PodSecurityContext, V1SecurityContext, V1TopologySpreadConstraint, V1Volume } from '@kubernetes/client-node';
import { ADMIN_PORT } from '../../collector/config/schema.js';
import { CURVE_CLIENTS_DIR, CURVE_SERVER_DIR, CURVE_SERVER_SECRET_KEY, CONFIG_DIR, CONFIG_FILE, DATA_DIR, SINK_SECRETS_DIR } from '../api/collector-config.js';
import { sinkSecretItems } from '../api/kinds.js';
import type { LogServerSpec } from '../api/types.js';
import { collectorProbes } from './probes.js';
import { SECRET_HASH_ANNOTATION, podSecretItems } from './secret-hash.js';
import { CONFIG_HASH_ANNOTATION, METRICS_PORT_NAME, childMeta, childNames, commonLabels, selectorLabels, type Built, type Owner } from './common.js';

/** Room after the drain for the kubelet to deliver SIGTERM and the process to exit. */
export const TERMINATION_GRACE_MARGIN_SECONDS = 15;

// Pod Security "restricted" profile; the spec's security contexts (pass-through objects the API server
// validates) are merged over these.
export const RESTRICTED_POD_SECURITY_CONTEXT: Readonly<V1PodSecurityContext> = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  fsGroup: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT: Readonly<V1SecurityContext> = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * preStop: ask the collector to drain (POST /drain on its loopback admin port, which nothing outside the pod can
 * reach). The answer comes when the drain has finished, and the hook ends with it (exit 0, also when the
 * collector is already gone), so the kubelet's SIGTERM finds a drained process, which waits for that SIGTERM
 * (postDrainLingerMs in collector/cli/commands/start.ts) rather than ending under the hook. The deadline
 * bounds a drain request that never answers. Runs with the image's node; curl is not in the image.
 */
export function preStopScript(adminPort: number, drainTimeoutSeconds: number): string {
  return (
    `const u='http://127.0.0.1:${adminPort}';` +
    `const end=Date.now()+${drainTimeoutSeconds * 1000};` +
    `fetch(u+'/drain',{method:'POST',signal:AbortSignal.timeout(Math.max(1,end-Date.now()))}).catch(()=>{}).then(()=>process.exit(0))`
  );
}

/**
 * `secretHash` (secret-hash.ts): the digest of the Secret items the collector reads at start (CURVE server key,
 * sink credentials), read by the reconciler; on the template so new content rolls the pods. Left out when the
 * pods mount no such item.
 */
export function buildDeployment(
  owner: Owner,
  spec: LogServerSpec,
  configHash: string,
  secretHash?: string,
): Built<V1Deployment, 'apps/v1', 'Deployment'> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(owner, childNames.workload(owner)),
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selectorLabels(owner) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: collectorPodTemplate(owner, spec, configHash, secretHash),
    },
  };
}

/**
 * Annotation on the pod template (and so on every pod): sha256 prefix of the rest of the template. A pod that
 * carries the hash of the template the operator applies now runs the current spec, which lets the operator count
 * ready pods itself instead of waiting for the rate-limited workload controllers to write their status
 * (controller/status.ts readyFromPods). It changes exactly when the template does, so it never rolls pods on its
 * own.
 */
export const TEMPLATE_HASH_ANNOTATION = 'logging.zlog.dev/template-hash';

/**
 * The collector pod. Its data volume is `data`: an emptyDir here, or (storage.type persistentVolumeClaim) the
 * StatefulSet's per-replica claim of that name, mounted at the pod's own subdirectory ($(POD_NAME)) so the files
 * on a volume carry the name of the pod that wrote them and no two pods ever share one.
 */
export function collectorPodTemplate(owner: Owner, spec: LogServerSpec, configHash: string, secretHash?: string): V1PodTemplateSpec {
  const template = podTemplate(owner, spec, configHash, secretHash);
  const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 16);
  return { ...template, metadata: { ...template.metadata, annotations: { ...template.metadata?.annotations, [TEMPLATE_HASH_ANNOTATION]: hash } } };
}

function podTemplate(owner: Owner, spec: LogServerSpec, configHash: string, secretHash?: string): V1PodTemplateSpec {
  const name = childNames.workload(owner);
  const perReplicaClaim = spec.storage.type === 'persistentVolumeClaim';
  const volumes: V1Volume[] = [
    { name: 'config', configMap: { name: childNames.configMap(owner), items: [{ key: CONFIG_FILE, path: CONFIG_FILE }] } },
    ...(perReplicaClaim
      ? []
      : [
          {
            name: 'data',
            emptyDir: {
              ...(spec.storage.emptyDir?.sizeLimit !== undefined ? { sizeLimit: String(spec.storage.emptyDir.sizeLimit) } : {}),
              ...(spec.storage.emptyDir?.medium ? { medium: spec.storage.emptyDir.medium } : {}),
            },
          },
        ]),
    // readOnlyRootFilesystem: node and the collector still want a writable /tmp.
    { name: 'tmp', emptyDir: {} },
  ];
  const sched = spec.scheduling;
  const probes = collectorProbes(spec.health, METRICS_PORT_NAME);
  const quantities = (m?: Record<string, number | string>) =>
    m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])) : undefined;
  return {
    metadata: {
      labels: { ...spec.podLabels, ...commonLabels(owner) },
      annotations: {
        ...spec.podAnnotations,
        [CONFIG_HASH_ANNOTATION]: configHash,
        ...(secretHash !== undefined && podSecretItems(spec).length > 0 ? { [SECRET_HASH_ANNOTATION]: secretHash } : {}),
      },
    },
    spec: {
      serviceAccountName: name,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: spec.drainTimeoutSeconds + TERMINATION_GRACE_MARGIN_SECONDS,
      securityContext: { ...RESTRICTED_POD_SECURITY_CONTEXT, ...spec.podSecurityContext } as V1PodSecurityContext,
      ...(spec.imagePullSecrets ? { imagePullSecrets: spec.imagePullSecrets.map((n) => ({ name: n })) } : {}),
      ...(sched.nodeSelector ? { nodeSelector: { ...sched.nodeSelector } } : {}),
      ...(sched.tolerations ? { tolerations: sched.tolerations.map((t) => ({ ...t })) } : {}),
      ...(sched.affinity ? { affinity: structuredClone(sched.affinity) } : {}),
      ...(sched.priorityClassName ? { priorityClassName: sched.priorityClassName } : {}),
      ...(sched.topologySpreadConstraints
        ? {
            topologySpreadConstraints: sched.topologySpreadConstraints.map((c) => ({
              labelSelector: { matchLabels: selectorLabels(owner) },
              ...structuredClone(c),
            })) as V1TopologySpreadConstraint[],
          }
        : {}),
      containers: [
        {
          name: 'collector',
          image: spec.image,
          imagePullPolicy: spec.imagePullPolicy,
          args: ['start', '--config', `${CONFIG_DIR}/${CONFIG_FILE}`],
          ports: [
            ...spec.inputs.map((i) => ({ name: i.name, containerPort: i.port, protocol: 'TCP' })),
            { name: METRICS_PORT_NAME, containerPort: spec.metricsPort, protocol: 'TCP' },
          ],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ...(spec.env ?? []).map((e) => structuredClone(e) as V1EnvVar),
          ],
          resources: {
            ...(spec.resources.requests ? { requests: quantities(spec.resources.requests) } : {}),
            ...(spec.resources.limits ? { limits: quantities(spec.resources.limits) } : {}),
          },
          livenessProbe: probes.liveness,
          readinessProbe: probes.readiness,
          lifecycle: {
            preStop: { exec: { command: ['node', '-e', preStopScript(ADMIN_PORT, spec.drainTimeoutSeconds)] } },
          },
          securityContext: { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT, ...spec.containerSecurityContext } as V1SecurityContext,
          volumeMounts: [
            { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
            perReplicaClaim ? { name: 'data', mountPath: DATA_DIR, subPathExpr: '$(POD_NAME)' } : { name: 'data', mountPath: DATA_DIR },
            { name: 'tmp', mountPath: '/tmp' },
            ...(spec.security.curve
              ? [
                  { name: 'curve-server', mountPath: CURVE_SERVER_DIR, readOnly: true },
                  { name: 'curve-clients', mountPath: CURVE_CLIENTS_DIR, readOnly: true },
                ]
              : []),
            ...(sinkSecretsVolume(spec) ? [{ name: SINK_SECRETS_VOLUME, mountPath: SINK_SECRETS_DIR, readOnly: true }] : []),
          ],
        },
      ],
      volumes: [...volumes, ...curveVolumes(spec), ...[sinkSecretsVolume(spec)].filter((v): v is V1Volume => v !== undefined)],
    },
  };
}

/**
 * spec.security.curve: the server's secret certificate (only that key of the Secret) and the allowed client keys,
 * read-only, mode 0440: readable by the pod's fsGroup (the collector's group) and nobody else. A client-key change
 * reaches the running collector through the kubelet's atomic volume update, which the collector watches.
 */
function curveVolumes(spec: LogServerSpec): V1Volume[] {
  const curve = spec.security.curve;
  if (!curve) return [];
  const clients: V1Volume = curve.clientKeys.secret !== undefined
    ? { name: 'curve-clients', secret: { secretName: curve.clientKeys.secret, defaultMode: 0o440 } }
    : { name: 'curve-clients', configMap: { name: curve.clientKeys.configMap, defaultMode: 0o440 } };
  return [
    { name: 'curve-server', secret: { secretName: curve.serverKeySecret, defaultMode: 0o440, items: [{ key: CURVE_SERVER_SECRET_KEY, path: CURVE_SERVER_SECRET_KEY }] } },
    clients,
  ];
}

const SINK_SECRETS_VOLUME = 'sink-secrets';

/**
 * The Secret items the sinks name (tls.caSecret, auth.passwordSecret, ...), each at `<secret>/<key>` below
 * SINK_SECRETS_DIR, in one projected volume, read-only, mode 0440 like the CURVE keys. Only the named items are
 * projected, not the rest of their Secrets. Undefined when no sink names one.
 */
function sinkSecretsVolume(spec: LogServerSpec): V1Volume | undefined {
  const bySecret = new Map<string, Set<string>>();
  for (const s of spec.sinks) for (const { item } of sinkSecretItems(s)) bySecret.set(item.name, (bySecret.get(item.name) ?? new Set()).add(item.key));
  if (bySecret.size === 0) return undefined;
  return {
    name: SINK_SECRETS_VOLUME,
    projected: {
      defaultMode: 0o440,
      sources: [...bySecret].map(([name, keys]) => ({ secret: { name, items: [...keys].map((key) => ({ key, path: `${name}/${key}` })) } })),
    },
  };
}
