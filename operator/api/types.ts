// The LogServer object after defaults are applied. operator/api/schema.ts is the source of truth; these
// types mirror it for the compiler (validate.test.ts checks the defaults the schema fills in).

import type { HealthThresholds } from '../../collector/health/types.js';

export type Quantity = number | string;
import type { InputType, SinkType } from '../../collector/registry/schemas.js';

/** The collector's input and sink kinds, from its registry (not a copy). */
export type { InputType, SinkType };

export interface LogServerInput {
  name: string;
  type: InputType;
  port: number;
  framing: 'frame' | 'lines' | 'message';
  format: 'auto' | 'syslog' | 'json' | 'text';
  topics?: string[];
  rcvHwm: number;
}

export interface FileSinkSpec {
  filename: string;
  rotation: { maxBytes: number; maxAgeSeconds: number };
  compress: boolean;
  retention: { maxFiles: number; maxAgeSeconds: number };
  fsync: 'batch' | 'interval' | 'never';
}

export interface LogServerSink {
  name: string;
  type: SinkType;
  file?: Partial<FileSinkSpec>;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

/** An upstream object passed through to the pod template; the API server validates it. */
export type PassThrough = Record<string, unknown>;

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: PassThrough;
}

export interface LogServerSpec {
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  imagePullSecrets?: string[];
  replicas: number;
  resources: { requests?: Record<string, Quantity>; limits?: Record<string, Quantity> };
  inputs: LogServerInput[];
  pipeline: {
    workers: number;
    /** maxBytes unset: derived from resources.limits.memory (collector-config.ts, queueMaxBytes). */
    queue: { maxRecords: number; maxBytes?: number };
    batch: { maxRecords: number; maxBytes?: number; maxDelayMs: number };
    ackMode: 'received' | 'persisted';
  };
  sinks: LogServerSink[];
  storage: {
    type: 'emptyDir' | 'persistentVolumeClaim';
    emptyDir?: { sizeLimit?: Quantity; medium?: '' | 'Memory' };
    persistentVolumeClaim?: {
      size: Quantity;
      storageClassName?: string;
      accessModes?: Array<'ReadWriteOnce' | 'ReadWriteMany' | 'ReadWriteOncePod'>;
    };
  };
  drainTimeoutSeconds: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  metricsPort: number;
  health: HealthThresholds;
  monitoring: { serviceMonitor: { enabled: boolean; labels?: Record<string, string>; interval: string } };
  security: {
    curve?: { serverKeySecret: string; clientKeys: { secret?: string; configMap?: string } };
    networkPolicy: { enabled: boolean; inputsFrom?: PassThrough[]; metricsNamespace?: string };
  };
  podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
  autoscaler?: {
    minReplicas: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
    metric?: { name: string; averageValue: Quantity };
  };
  service: { type: 'ClusterIP' | 'NodePort' | 'LoadBalancer'; annotations?: Record<string, string> };
  scheduling: {
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    affinity?: PassThrough;
    topologySpreadConstraints?: PassThrough[];
    priorityClassName?: string;
  };
  podSecurityContext?: PassThrough;
  containerSecurityContext?: PassThrough;
  env?: EnvVar[];
  podAnnotations?: Record<string, string>;
  podLabels?: Record<string, string>;
}

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface LogServerStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  replicas?: number;
  readyReplicas?: number;
  /** readyReplicas/spec.replicas for the REPLICAS printer column. */
  readyOfDesired?: string;
  selector?: string;
  endpoint?: string;
  configHash?: string;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
}

/** A LogServer as read from the API server: the spec is unvalidated until validateSpec says otherwise. */
export interface LogServer {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: LogServerStatus;
}
