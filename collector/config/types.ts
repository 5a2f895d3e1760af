// The collector's configuration after defaults are applied. The JSON Schema in schema.ts is the source of
// truth for validation and docs/configuration.md; these types mirror it for the compiler.
import type { HealthThresholds } from '../health/types.js';

export type InputType = 'zmq-pull' | 'zmq-sub' | 'zmq-router';
/** How the frames of one ZeroMQ message become records. */
export type Framing = 'frame' | 'lines' | 'message';
/** How record text is interpreted before normalisation. */
export type RecordFormat = 'auto' | 'syslog' | 'json' | 'text';
export type AckMode = 'received' | 'persisted';
export type FsyncPolicy = 'batch' | 'interval' | 'never';

export interface InputConfig {
  id: string;
  type: InputType;
  /** ZeroMQ endpoints to bind, e.g. tcp://127.0.0.1:5555. */
  bind: string[];
  /** ZeroMQ endpoints to connect to (zmq-sub only: PUB emitters that bind). */
  connect: string[];
  framing: Framing;
  format: RecordFormat;
  /** zmq-sub: subscription prefixes; [""] is everything. */
  topics: string[];
  /** zmq-sub: the first frame of a 2-frame message is a topic (PUBHandler, omczmq topicframe). */
  topicFrame: boolean;
  /** ZeroMQ receive high-water mark (messages). */
  rcvHwm: number;
}

export interface LimitsConfig {
  /** Largest ZeroMQ message accepted, all frames, as received (compressed). */
  maxMessageBytes: number;
  /** Largest payload after decompression (native protocol). */
  maxDecompressedBytes: number;
  /** Largest single record; longer records are truncated and flagged. */
  maxRecordBytes: number;
  /** Most records in one native batch. */
  maxBatchRecords: number;
}

export interface PipelineConfig {
  /** Worker threads; 0 processes on the main thread. */
  workers: number;
  queue: { maxRecords: number; maxBytes: number };
  batch: { maxRecords: number; maxBytes: number; maxDelayMs: number };
  ackMode: AckMode;
  /** Buffers kept in the pool for moving raw messages to workers. */
  bufferPool: { buffers: number; bufferBytes: number };
}

export interface FileSinkConfig {
  id: string;
  type: 'file';
  /** Directory that holds the current file and rotated files. */
  path: string;
  /** Name of the current file inside path. */
  filename: string;
  rotation: { maxBytes: number; maxAgeSeconds: number };
  compress: boolean;
  retention: { maxFiles: number; maxAgeSeconds: number };
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

export interface StdoutSinkConfig {
  id: string;
  type: 'stdout';
}

export type SinkConfig = FileSinkConfig | StdoutSinkConfig;

export interface RetryConfig {
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface HttpConfig {
  host: string;
  port: number;
}

export interface CollectorConfig {
  inputs: InputConfig[];
  limits: LimitsConfig;
  pipeline: PipelineConfig;
  sinks: SinkConfig[];
  retry: RetryConfig;
  http: HttpConfig;
  drain: { timeoutSeconds: number };
  health: HealthThresholds;
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
  /** Host name written into records that carry none (defaults to the machine's / pod's name). */
  hostname: string;
}
