// The LogServer API: the one source from which the CRD YAML (crds/, charts/zlog/crds/), the operator's ajv
// validator and docs/operator-api.md are derived. Written in the subset of JSON Schema that is also a structural
// CRD schema, plus `additionalProperties: false` (ajv only; the CRD generator drops it because the API server
// prunes and, with strict field validation, rejects unknown fields itself) and `x-kubernetes-*` annotations
// (registered with ajv as no-op keywords). Cross-field rules live in logserver.rules.ts.

import { collectorConfigSchema, fileSinkProperties, inputSchema } from '../../collector/config/schema.js';
import { healthSchema } from '../../collector/health/schema.js';

/**
 * A fragment of the collector's own config schema, made structural for a CRD (every enum-only node gets its
 * type). The settings the LogServer passes straight into the collector config are taken from there, so their
 * bounds and defaults cannot drift from what the collector accepts.
 */
function structural<T>(node: T): T {
  if (Array.isArray(node)) return node.map((n: unknown) => structural(n)) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'enum' || k === 'default' ? v : structural(v);
  if (Array.isArray(out.enum) && out.type === undefined) return { type: typeof out.enum[0], ...out } as T;
  return out as T;
}

const collectorPipeline = collectorConfigSchema.properties.pipeline.properties;

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
const quantity = {
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern: '^(\\+)?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$',
  minimum: 0,
} as const;
// Upstream core types we pass through to the pod unchanged; the API server validates them when the Deployment
// is applied, so the CRD keeps them open rather than copying thousands of lines of upstream schema.
const passThrough = (description: string) =>
  ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description }) as const;

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
    type: { type: 'string', enum: ['zmq-pull', 'zmq-sub', 'zmq-router'], description: 'ZeroMQ socket the collector binds.' },
    port: { ...port, description: 'TCP port bound in the pod and exposed by the Service.' },
    framing: structural(inputSchema.properties.framing),
    format: structural(inputSchema.properties.format),
    topics: { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 255 }, description: 'zmq-sub subscription prefixes; empty means everything.' },
    rcvHwm: structural(inputSchema.properties.rcvHwm),
  },
} as const;

const fileSink = {
  type: 'object',
  additionalProperties: false,
  description: 'Settings of a file sink; only allowed when type is file.',
  properties: {
    filename: { type: 'string', pattern: '^[^/\\\\]+$', maxLength: 255, default: 'zlog.ndjson' },
    rotation: structural(fileSinkProperties.rotation),
    compress: structural(fileSinkProperties.compress),
    retention: structural(fileSinkProperties.retention),
    fsync: structural(fileSinkProperties.fsync),
  },
} as const;

const sink = {
  type: 'object',
  required: ['name', 'type'],
  additionalProperties: false,
  properties: {
    name: { ...dnsLabel, description: 'Sink id (component_id in metrics).' },
    type: { type: 'string', enum: ['file', 'stdout'] },
    file: fileSink,
  },
} as const;

const toleration = {
  type: 'object',
  additionalProperties: false,
  properties: {
    key: { type: 'string' },
    operator: { type: 'string', enum: ['Exists', 'Equal'] },
    value: { type: 'string' },
    effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
    tolerationSeconds: { type: 'integer' },
  },
} as const;

const envVar = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$' },
    value: { type: 'string' },
    valueFrom: passThrough('A core/v1 EnvVarSource (secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef).'),
  },
} as const;

export const logServerSpecSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    image: { type: 'string', minLength: 1, default: DEFAULT_IMAGE, description: 'Collector image.' },
    imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent' },
    imagePullSecrets: { type: 'array', maxItems: 16, items: dnsLabel, description: 'Names of Secrets in the namespace.' },
    replicas: { type: 'integer', minimum: 0, maximum: 100, default: 1 },
    resources: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        requests: { type: 'object', additionalProperties: quantity },
        limits: { type: 'object', additionalProperties: quantity },
      },
    },
    inputs: {
      type: 'array',
      minItems: 1,
      maxItems: 8,
      items: input,
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
      properties: {
        workers: structural(collectorPipeline.workers),
        queue: structural(collectorPipeline.queue),
        batch: structural(collectorPipeline.batch),
        ackMode: structural(collectorPipeline.ackMode),
      },
    },
    sinks: {
      type: 'array',
      minItems: 1,
      maxItems: 4,
      items: sink,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      default: [{ name: 'file', type: 'file' }],
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Volume mounted at /var/lib/zlog for file sinks.',
      properties: {
        type: { type: 'string', enum: ['emptyDir', 'persistentVolumeClaim'], default: 'emptyDir' },
        emptyDir: {
          type: 'object',
          additionalProperties: false,
          properties: { sizeLimit: quantity, medium: { type: 'string', enum: ['', 'Memory'] } },
        },
        persistentVolumeClaim: {
          type: 'object',
          additionalProperties: false,
          required: ['size'],
          properties: {
            size: quantity,
            storageClassName: { type: 'string' },
            accessModes: {
              type: 'array',
              maxItems: 3,
              items: { type: 'string', enum: ['ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod'] },
            },
          },
        },
      },
    },
    drainTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 25, description: 'How long a stopping pod may drain.' },
    logLevel: { type: 'string', enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info' },
    metricsPort: { ...port, default: 9090, description: 'HTTP port for /metrics, /healthz and /readyz (POST /drain is on the loopback admin port 9091, inside the pod only).' },
    // The collector's health thresholds, passed through; the pod's probes are derived from them.
    health: structural(healthSchema),
    monitoring: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        serviceMonitor: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enabled: { type: 'boolean', default: false },
            labels: { ...stringMap, description: 'Labels Prometheus selects on (kube-prometheus-stack: release: <name>).' },
            interval: { type: 'string', pattern: '^(0|(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$', default: '30s' },
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
        enabled: { type: 'boolean', default: true },
        maxUnavailable: { type: 'integer', minimum: 1, default: 1 },
      },
    },
    service: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'], default: 'ClusterIP' },
        annotations: stringMap,
      },
    },
    scheduling: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        nodeSelector: stringMap,
        tolerations: { type: 'array', maxItems: 32, items: toleration },
        affinity: passThrough('A core/v1 Affinity.'),
        topologySpreadConstraints: {
          type: 'array',
          maxItems: 8,
          items: passThrough('A core/v1 TopologySpreadConstraint; labelSelector defaults to the pod labels.'),
        },
        priorityClassName: { type: 'string' },
      },
    },
    podSecurityContext: passThrough('A core/v1 PodSecurityContext; merged over the restricted default.'),
    containerSecurityContext: passThrough('A core/v1 SecurityContext; merged over the restricted default.'),
    env: { type: 'array', maxItems: 64, items: envVar },
    podAnnotations: stringMap,
    podLabels: stringMap,
  },
} as const;

const condition = {
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: { type: 'string', maxLength: 316 },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', minimum: 0 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    reason: { type: 'string', maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
    message: { type: 'string', maxLength: 32768 },
  },
} as const;

export const logServerStatusSchema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer' },
    conditions: {
      type: 'array',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    replicas: { type: 'integer' },
    readyReplicas: { type: 'integer' },
    selector: { type: 'string', description: 'Label selector of the pods (for the scale subresource).' },
    endpoint: { type: 'string', description: 'Client endpoint: tcp://<service>.<namespace>.svc:<first input port>.' },
    configHash: { type: 'string', description: 'Hash of the rendered collector configuration the pods run.' },
  },
} as const;

export const logServerSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: logServerSpecSchema,
    status: logServerStatusSchema,
  },
} as const;

export const printerColumns = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Replicas', type: 'integer', jsonPath: '.status.readyReplicas' },
  { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
] as const;
