// The LogServer API: the one source from which the CRD YAML (crds/, charts/zlog/crds/), the operator's ajv
// validator and docs/operator-api.md are derived. Written in the subset of JSON Schema that is also a structural
// CRD schema, plus `additionalProperties: false` (ajv only; the CRD generator drops it because the API server
// prunes and, with strict field validation, rejects unknown fields itself) and `x-kubernetes-*` annotations
// (registered with ajv as no-op keywords). Cross-field rules live in rules.ts; the TypeScript types (types.ts) are derived from this schema.

import { collectorConfigSchema } from '../../collector/config/schema.js';
import { healthSchema } from '../../collector/health/schema.js';
import { matchSchema, routingSchema } from '../../collector/routing/schema.js';
import { logServerInputFields, logServerInputType, logServerSinkKinds, logServerSinkType, structural } from './kinds.js';

const collectorPipeline = collectorConfigSchema.properties.pipeline.properties;

/**
 * The node with one property's default removed (and its description replaced): for a default the operator
 * derives from other fields, which it could not do if the API server stored a fixed one.
 */
type WithoutDefault<T extends { properties: object }, K extends keyof T['properties']> = Omit<T, 'properties'> & {
  properties: { [P in keyof T['properties']]: P extends K ? Omit<T['properties'][P], 'default'> & { description: string } : T['properties'][P] };
};
function withoutDefault<T extends { properties: Record<string, object> }, K extends keyof T['properties'] & string>(node: T, key: K, description: string): WithoutDefault<T, K> {
  const { default: _dropped, ...rest } = node.properties[key] as { default?: unknown };
  return { ...node, properties: { ...node.properties, [key]: { ...rest, description } } } as unknown as WithoutDefault<T, K>;
}

export const GROUP = 'logging.zlog.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'LogServer';
export const PLURAL = 'logservers';
export const SINGULAR = 'logserver';
/** Where the API serves LogServers (the shape operator/controller/kube.ts takes; no import needed). */
export const LOGSERVER_RESOURCE = { apiVersion: API_VERSION, kind: KIND, plural: PLURAL } as const;
export const SHORT_NAMES = ['zls'] as const;
export const DEFAULT_IMAGE = 'ghcr.io/zlog/collector:0.1.0';

const dnsLabel = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', maxLength: 63 } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
// A Kubernetes resource.Quantity: the API server accepts an integer or a string in quantity syntax.
/**
 * The claim template fields of storage.persistentVolumeClaim become the StatefulSet's volumeClaimTemplates,
 * which the API server refuses to change (apps/v1 StatefulSet validation: only replicas, ordinals, template,
 * updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds may be updated). Refusing the change
 * on the LogServer says so at `kubectl apply` time instead of a later ApplyFailed. The retention policy stays
 * changeable (the StatefulSet field is mutable), and so does a block that is not in use (storage.type emptyDir
 * on either side: switching the type replaces the workload).
 */
const CLAIM_TEMPLATE_FIELDS = ['size', 'storageClassName', 'accessModes'] as const;
const claimTemplateImmutable = {
  rule:
    "!has(oldSelf.type) || !has(self.type) || oldSelf.type != 'persistentVolumeClaim' || self.type != 'persistentVolumeClaim' || " +
    '!has(oldSelf.persistentVolumeClaim) || !has(self.persistentVolumeClaim) || (' +
    CLAIM_TEMPLATE_FIELDS.map((f) => {
      const [n, o] = [`self.persistentVolumeClaim.${f}`, `oldSelf.persistentVolumeClaim.${f}`];
      return `has(${n}) == has(${o}) && (!has(${n}) || ${n} == ${o})`;
    }).join(' && ') +
    ')',
  message:
    'storage.persistentVolumeClaim size, storageClassName and accessModes cannot change once the collectors run on claims ' +
    '(they are the StatefulSet\'s volumeClaimTemplates, which Kubernetes keeps immutable); retentionPolicy may change. ' +
    'To grow the volumes, resize each claim data-<name>-<ordinal> (its StorageClass must allow expansion)',
  fieldPath: '.persistentVolumeClaim',
};

const quantity = {
  'x-kubernetes-int-or-string': true,
  description: 'A Kubernetes quantity: an integer, or a string such as 500m, 128Mi or 1Gi.',
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern: '^(\\+)?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$',
  minimum: 0,
} as const;
// Upstream core types we pass through to the pod unchanged; the API server validates them when the Deployment
// is applied, so the CRD keeps them open rather than copying thousands of lines of upstream schema.
const dnsLabelName = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' } as const;
const passThrough = (description: string) =>
  ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description }) as const;

// An input's and a sink's own fields come from the collector's kind lists (kinds.ts): a kind with a
// `logServer` entry is offered here, with its fields' schema, bounds, defaults and docs, without an edit.
const input = {
  type: 'object',
  required: ['name', 'type', 'port'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      // An IANA service name, because it also names the container and Service port.
      pattern: '^[a-z]([-]?[a-z0-9])*$',
      maxLength: 15,
      description: 'Input id and port name: lowercase letters, digits and single hyphens, at most 15 characters.',
    },
    type: logServerInputType,
    port: { ...port, description: 'TCP port bound in the pod and exposed by the Service.' },
    ...logServerInputFields,
  },
} as const;

const sink = {
  type: 'object',
  required: ['name', 'type'],
  additionalProperties: false,
  properties: {
    name: { ...dnsLabel, description: 'Sink id (component_id in metrics).' },
    type: logServerSinkType,
    // The collector's own match (collector/routing/schema.ts); its inputs are the LogServer's inputs[].name.
    match: structural(matchSchema),
    ...logServerSinkKinds,
  },
} as const;

const toleration = {
  type: 'object',
  additionalProperties: false,
  description: 'A core/v1 Toleration.',
  properties: {
    key: { type: 'string', description: 'Taint key; empty with operator Exists matches every taint.' },
    operator: { type: 'string', enum: ['Exists', 'Equal'], description: 'Exists, or Equal (the default upstream) to match value.' },
    value: { type: 'string', description: 'Taint value matched with operator Equal.' },
    effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], description: 'Taint effect to match; empty matches all.' },
    tolerationSeconds: { type: 'integer', description: 'For NoExecute: how long the pod stays bound after the taint appears (seconds).' },
  },
} as const;

const envVar = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$', description: 'Environment variable name.' },
    value: { type: 'string', description: 'Literal value (or use valueFrom).' },
    valueFrom: passThrough('A core/v1 EnvVarSource (secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef).'),
  },
} as const;

export const logServerSpecSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    image: { type: 'string', minLength: 1, default: DEFAULT_IMAGE, description: 'Collector image.' },
    imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent', description: 'When the kubelet pulls the image (core/v1 Container.imagePullPolicy).' },
    imagePullSecrets: { type: 'array', maxItems: 16, items: dnsLabel, description: 'Names of Secrets in the namespace.' },
    replicas: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      default: 1,
      description: 'Collector pods wanted. Also the scale subresource (kubectl scale, an HPA targeting the LogServer).',
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Compute resources of the collector container (core/v1 ResourceRequirements).',
      properties: {
        requests: { type: 'object', additionalProperties: quantity, description: 'Resource name (cpu, memory) to the amount the scheduler reserves.' },
        limits: {
          type: 'object',
          additionalProperties: quantity,
          description: 'Resource name (cpu, memory) to the most the container may use; memory also sizes the default pipeline queue.',
        },
      },
    },
    inputs: {
      type: 'array',
      minItems: 1,
      maxItems: 8,
      items: input,
      description: 'ZeroMQ sockets the collector binds, each also a named port of the pod and the Service (1 to 8).',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      default: [
        { name: 'pull', type: 'zmq-pull', port: 5555 },
        { name: 'sub', type: 'zmq-sub', port: 5556 },
        { name: 'native', type: 'zmq-router', port: 5557 },
      ],
    },
    pipeline: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Between inputs and sinks: decode workers, the bounded queue, sink batches and when native batches are acknowledged.',
      properties: {
        workers: structural(collectorPipeline.workers),
        queue: withoutDefault(
          { ...structural(collectorPipeline.queue), description: 'Bounds of what is held between receipt and write; a full queue pushes back on senders.' },
          'maxBytes',
          `Bytes held between receipt and write. Unset: a quarter of resources.limits.memory when that is set, at most ${collectorPipeline.queue.properties.maxBytes.default} (the collector's default), so the queue always fits the container.`,
        ),
        batch: withoutDefault(
          { ...structural(collectorPipeline.batch), description: 'How records are grouped per sink write.' },
          'maxBytes',
          `Bytes per sink write. Unset: the collector's default (${collectorPipeline.batch.properties.maxBytes.default}), or pipeline.queue.maxBytes when that is smaller.`,
        ),
        sinkQueue: withoutDefault(
          { ...structural(collectorPipeline.sinkQueue), description: "Each sink's own queue: a sink that is retrying holds up only the records it takes (docs/sinks.md)." },
          'maxBytes',
          `NDJSON bytes one sink's queue may hold. Unset: the collector's default (${collectorPipeline.sinkQueue.properties.maxBytes.default}), or pipeline.queue.maxBytes when that is smaller.`,
        ),
        ackMode: structural(collectorPipeline.ackMode),
      },
    },
    sinks: {
      type: 'array',
      minItems: 1,
      maxItems: 4,
      items: sink,
      description: 'Where records are written (1 to 4); a sink with `match` takes only the records it matches, one without takes every record not dropped (see routing).',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      default: [{ name: 'file', type: 'file' }],
    },
    routing: {
      ...structural(routingSchema),
      description: 'Global drop rules and what happens to a record no sink\'s match takes (collector/routing; docs/sinks.md "Routing and filtering").',
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Volume mounted at /var/lib/zlog for file sinks and disk buffers.',
      // A transition rule (it sees the stored object as oldSelf, so it runs on updates only).
      'x-kubernetes-validations': [claimTemplateImmutable],
      properties: {
        type: {
          type: 'string',
          enum: ['emptyDir', 'persistentVolumeClaim'],
          default: 'emptyDir',
          description:
            'emptyDir (lost with the pod; the collectors run as a Deployment) or persistentVolumeClaim (the collectors run as a StatefulSet and every replica owns a claim, data-<name>-<ordinal>, kept across restarts and upgrades).',
        },
        emptyDir: {
          type: 'object',
          additionalProperties: false,
          description: 'Settings of the emptyDir volume when storage.type is emptyDir.',
          properties: {
            sizeLimit: { ...quantity, description: 'Most the volume may hold before the pod is evicted (quantity).' },
            medium: { type: 'string', enum: ['', 'Memory'], description: 'Empty for node disk, Memory for tmpfs (counts against the memory limit).' },
          },
        },
        persistentVolumeClaim: {
          type: 'object',
          additionalProperties: false,
          required: ['size'],
          description:
            'The claim every replica gets when storage.type is persistentVolumeClaim (a StatefulSet volumeClaimTemplate; immutable once the StatefulSet exists).',
          properties: {
            size: { ...quantity, description: 'Requested storage per replica (quantity, such as 10Gi).' },
            storageClassName: { type: 'string', description: 'StorageClass of the claims; unset uses the cluster default.' },
            accessModes: {
              type: 'array',
              maxItems: 3,
              description: 'Access modes of each claim (default ReadWriteOnce: every replica has its own).',
              items: { type: 'string', enum: ['ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod'] },
            },
            retentionPolicy: {
              type: 'object',
              additionalProperties: false,
              default: {},
              description:
                'What happens to the claims (and the files on them) when replicas are scaled away or the LogServer is deleted: the StatefulSet persistentVolumeClaimRetentionPolicy. Retain keeps them (a replica that comes back reuses its claim); Delete removes them.',
              properties: {
                whenScaled: { type: 'string', enum: ['Retain', 'Delete'], default: 'Retain', description: 'Claims of replicas removed by a scale-down.' },
                whenDeleted: { type: 'string', enum: ['Retain', 'Delete'], default: 'Retain', description: 'Every claim, when the LogServer is deleted.' },
              },
            },
          },
        },
      },
    },
    drainTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 25, description: 'How long a stopping pod may drain.' },
    logLevel: { type: 'string', enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info', description: 'Level of the collector\'s own log (pino levels).' },
    metricsPort: { ...port, default: 9090, description: 'HTTP port for /metrics, /healthz and /readyz (POST /drain is on the loopback admin port 9091, inside the pod only).' },
    // The collector's health thresholds, passed through; the pod's probes are derived from them.
    health: structural(healthSchema),
    monitoring: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'How Prometheus finds the collectors\' /metrics.',
      properties: {
        serviceMonitor: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'A prometheus-operator ServiceMonitor for the metrics port (created once its CRD is installed).',
          properties: {
            enabled: { type: 'boolean', default: false, description: 'Create the ServiceMonitor.' },
            labels: { ...stringMap, description: 'Labels Prometheus selects on (kube-prometheus-stack: release: <name>).' },
            interval: {
              type: 'string',
              pattern: '^(0|(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
              default: '30s',
              description: 'Scrape interval (Prometheus duration such as 30s or 1m).',
            },
          },
        },
      },
    },
    security: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'CurveZMQ on every input and the NetworkPolicy (docs/security.md).',
      properties: {
        curve: {
          type: 'object',
          additionalProperties: false,
          required: ['serverKeySecret', 'clientKeys'],
          description: 'When set, every input is a CurveZMQ server: only clients whose public key is listed connect, and traffic is encrypted.',
          properties: {
            serverKeySecret: { ...dnsLabelName, description: 'Secret holding the server key pair as czmq zcert files: key server.key_secret (and server.key), e.g. from zlog keygen server.' },
            clientKeys: {
              type: 'object',
              additionalProperties: false,
              description: 'Allowed client public certificates (NAME.key files, one key each; NAME names the client). Exactly one of secret or configMap. Changes reach running pods without a restart.',
              properties: {
                secret: { ...dnsLabelName, description: 'Secret in the LogServer\'s namespace whose keys are NAME.key files.' },
                configMap: { ...dnsLabelName, description: 'ConfigMap in the LogServer\'s namespace whose keys are NAME.key files.' },
              },
            },
          },
        },
        networkPolicy: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'A NetworkPolicy admitting only the named peers to the input ports and the monitoring namespace to the metrics port.',
          properties: {
            enabled: { type: 'boolean', default: true, description: 'Render the NetworkPolicy (on by default; off prunes it).' },
            inputsFrom: {
              type: 'array',
              maxItems: 32,
              items: passThrough('A networking.k8s.io/v1 NetworkPolicyPeer (podSelector, namespaceSelector, ipBlock).'),
              description: 'Who may reach the input ports; empty: pods of the LogServer\'s own namespace.',
            },
            metricsNamespace: { type: 'string', maxLength: 63, description: 'Namespace (kubernetes.io/metadata.name) whose pods may scrape the metrics port; empty: only the LogServer\'s own namespace (the kubelet\'s probes are always allowed).' },
          },
        },
      },
    },
    podDisruptionBudget: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Created only when replicas > 1.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Create the PodDisruptionBudget (only when replicas > 1).' },
        maxUnavailable: { type: 'integer', minimum: 1, default: 1, description: 'Pods a voluntary disruption (a node drain) may take down at once.' },
      },
    },
    autoscaler: {
      type: 'object',
      additionalProperties: false,
      required: ['maxReplicas'],
      description:
        'Creates a HorizontalPodAutoscaler that scales this LogServer through its scale subresource (it writes spec.replicas; ' +
        'leave replicas out of what you apply). Needs targetCPUUtilizationPercentage (with resources.requests.cpu) and/or metric.',
      properties: {
        minReplicas: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Fewest collector pods the autoscaler keeps.' },
        maxReplicas: { type: 'integer', minimum: 1, maximum: 100, description: 'Most collector pods the autoscaler may run.' },
        targetCPUUtilizationPercentage: {
          type: 'integer',
          minimum: 1,
          maximum: 100,
          description: 'Average CPU use across the pods, in percent of resources.requests.cpu, the autoscaler aims for.',
        },
        metric: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'averageValue'],
          description: 'A per-pod custom metric (served through custom.metrics.k8s.io, by prometheus-adapter say) and its target average.',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 253, description: 'Metric name as the custom metrics API serves it.' },
            averageValue: { ...quantity, description: 'Target average of the metric per pod (quantity).' },
          },
        },
      },
    },
    service: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The Service named after the LogServer that exposes every input and the metrics port.',
      properties: {
        type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'], default: 'ClusterIP', description: 'core/v1 Service type.' },
        annotations: { ...stringMap, description: 'Annotations on the Service (load-balancer settings, say).' },
      },
    },
    scheduling: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where the collector pods may run.',
      properties: {
        nodeSelector: { ...stringMap, description: 'Node labels a node must carry to run the pods.' },
        tolerations: { type: 'array', maxItems: 32, items: toleration, description: 'Taints the pods tolerate.' },
        affinity: passThrough('A core/v1 Affinity.'),
        topologySpreadConstraints: {
          type: 'array',
          maxItems: 8,
          description: 'How the pods spread over zones or nodes.',
          items: passThrough('A core/v1 TopologySpreadConstraint; labelSelector defaults to the pod labels.'),
        },
        priorityClassName: { type: 'string', description: 'PriorityClass of the pods.' },
      },
    },
    podSecurityContext: passThrough('A core/v1 PodSecurityContext; merged over the restricted default.'),
    containerSecurityContext: passThrough('A core/v1 SecurityContext; merged over the restricted default.'),
    env: { type: 'array', maxItems: 64, items: envVar, description: 'Extra environment variables of the collector container.' },
    podAnnotations: { ...stringMap, description: 'Annotations on the pods (the config-hash annotation is the operator\'s).' },
    podLabels: { ...stringMap, description: 'Extra labels on the pods; the operator\'s own labels win.' },
  },
} as const;

// additionalProperties false on the status nodes only so the derived types (types.ts) are closed; the CRD
// generator drops it and nothing validates the status with ajv.
const condition = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  description: 'A metav1.Condition.',
  properties: {
    type: { type: 'string', maxLength: 316, description: 'Ready, Progressing, Degraded, SinksHealthy, or <Kind>Ready of an optional child (ServiceMonitorReady).' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'True, False or Unknown.' },
    observedGeneration: { type: 'integer', minimum: 0, description: 'The metadata.generation the condition was computed for.' },
    lastTransitionTime: { type: 'string', format: 'date-time', description: 'When status last changed.' },
    reason: {
      type: 'string',
      maxLength: 1024,
      minLength: 1,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      description: 'CamelCase cause (AllReplicasReady, InvalidSpec, NameConflict, ApplyFailed, ...).',
    },
    message: { type: 'string', maxLength: 32768, description: 'What happened, for humans.' },
  },
} as const;

export const logServerStatusSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'What the operator observed; written only by the operator.',
  properties: {
    observedGeneration: { type: 'integer', description: 'The metadata.generation this status describes.' },
    conditions: {
      type: 'array',
      items: condition,
      description: 'Ready, Progressing, Degraded, SinksHealthy (once a pod reported its sinks) and per optional child kind; one entry per type.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    replicas: { type: 'integer', description: 'Collector pods that exist (the scale subresource reads this).' },
    readyReplicas: { type: 'integer', description: 'Collector pods that pass their readiness probe.' },
    readyOfDesired: { type: 'string', description: 'readyReplicas/spec.replicas, for the REPLICAS printer column (2/3).' },
    selector: { type: 'string', description: 'Label selector of the pods (for the scale subresource).' },
    endpoint: { type: 'string', description: 'Client endpoint: tcp://<service>.<namespace>.svc:<first input port>.' },
    configHash: { type: 'string', description: 'Hash of the rendered collector configuration the pods run.' },
    storage: { type: 'string', description: "Where the pods' files live (each replica's claim, or emptyDir) and whether they are kept on scale-down and deletion." },
    sinks: {
      type: 'array',
      maxItems: 4,
      description:
        "Each sink's health as its running pods report it (GET /sinks on the metrics port, asked by the operator every --sink-health-seconds; docs/sinks.md \"Health in the LogServer status\"). Absent until a pod answered.",
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type', 'podsReporting', 'failingPods'],
        properties: {
          name: { type: 'string', description: 'spec.sinks[].name.' },
          type: { type: 'string', description: 'The sink kind.' },
          podsReporting: { type: 'integer', minimum: 0, description: 'Pods whose answer this entry summarises (at most 3 per LogServer are asked).' },
          failingPods: { type: 'integer', minimum: 0, description: "Of those, pods on which the sink's state is retrying: its writes, or its disk buffer's sends to the store, are failing and being retried." },
          lastError: { type: 'string', maxLength: 512, description: 'The error of the first failing pod (by name), without changing counts; absent while no pod fails.' },
          queueFillPercent: {
            type: 'integer',
            minimum: 0,
            maximum: 100,
            description: "The fullest pod's sink queue (pipeline.sinkQueue), the larger of bytes and batches against their bounds, in percent rounded down to a multiple of 10.",
          },
          bufferFillPercent: {
            type: 'integer',
            minimum: 0,
            maximum: 100,
            description: "The fullest pod's disk buffer, in percent of buffer.maxBytes, rounded down to a multiple of 10 (so that the status is not rewritten on every change); absent without a disk buffer.",
          },
        },
      },
    },
  },
} as const;

export const logServerSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string', description: 'logging.zlog.dev/v1alpha1.' },
    kind: { type: 'string', description: 'LogServer.' },
    metadata: {
      type: 'object',
      description: 'Standard object metadata.',
      // The name is also the Service's, which must be a DNS-1035 label (a structural CRD schema may constrain
      // metadata.name and nothing else of metadata); the error then names metadata.name.
      properties: {
        name: {
          type: 'string',
          maxLength: 63,
          pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
          description: 'A DNS-1035 label (lowercase letters, digits and hyphens, starting with a letter, at most 63 characters): it names the Service.',
        },
      },
    },
    spec: { ...logServerSpecSchema, description: 'What the LogServer should run.' },
    status: logServerStatusSchema,
  },
} as const;

export const printerColumns = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Replicas', type: 'string', jsonPath: '.status.readyOfDesired', description: 'Ready/desired collector pods.' },
  { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint' },
  { name: 'Sinks', type: 'string', jsonPath: '.status.conditions[?(@.type=="SinksHealthy")].status', description: 'True when no pod asked reports a failing sink.', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
] as const;
