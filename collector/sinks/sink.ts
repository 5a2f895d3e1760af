// What every sink offers the sink stage. A sink's write() resolves only once the bytes are as durable as the
// sink's policy promises (the file sink with fsync "batch": written and fdatasync'ed), because persisted-mode
// acknowledgements are sent when it resolves. Kinds are listed in registry/.
import type { Logger } from '../observability/logger.js';
import type { ComponentMetrics, Metrics } from '../observability/metrics.js';
import type { SinkSelfHealth } from './health.js';
import type { BodyPart, WorkerBodySpec } from './http/worker-body.js';

/**
 * The request body parts the pipeline's workers built for one write (Sink.workerBody), in write order: each
 * covers the next `chunks` of the write's chunks (one stage entry).
 */
export type WrittenParts = (BodyPart & { chunks: number })[];

/** Everything a sink is given at construction; the same for every kind. */
export interface SinkContext {
  log: Logger;
  /** The collector's metrics (HTTP sinks bind their http_client_* and buffer series from it). */
  metrics?: Metrics;
  /** This sink's Vector-style component counters (discarded by reason, errors). */
  component?: ComponentMetrics;
  /** The collector's sink retry policy (`retry`), for sinks that retry on their own (disk buffer forwarder). */
  retry?: { initialDelayMs: number; maxDelayMs: number };
  /** A sink that deletes written data by policy (file retention) reports each deletion here (metrics). */
  onRetention?: (d: RetentionDeletion) => void;
}

/** One file deleted by retention: acknowledged records gone on purpose, counted and logged. */
export interface RetentionDeletion {
  file: string;
  records: number;
  bytes: number;
}

export interface Sink {
  readonly id: string;
  readonly type: string;
  open(): Promise<void>;
  /**
   * How many write() calls the sink stage may have in flight at once (absent: 1). A sink that takes more takes
   * them in any order and lets them end in any order (its records reach the store in no fixed order), and keeps
   * each write's retry state apart (a retry passes the same `chunks` array again).
   */
  readonly concurrentWrites?: number;
  /**
   * True for a sink whose writes wait on a store over the network that every replica shares (the HTTP sinks):
   * its failures and stalls are the store's, so the health checks report them without failing a probe, since
   * no other replica would do better (docs/operations.md, "Health checks and probes").
   */
  readonly remoteStore?: boolean;
  /**
   * Set by a sink whose request bodies the pipeline's workers may build (an HTTP sink not behind a disk
   * buffer): the workers then add each chunk's body part beside its NDJSON (http/worker-body.ts).
   */
  readonly workerBody?: WorkerBodySpec;
  /**
   * Writes whole NDJSON lines. Must leave no partial line behind when it throws. `built`: the workers' body
   * parts of exactly these lines (present only when every entry of the write has one; a sink without
   * workerBody never gets it).
   */
  write(chunks: readonly Uint8Array[], bytes: number, built?: WrittenParts): Promise<void>;
  /** Flushes and syncs whatever the policy may have deferred (drain calls this last). */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** What the sink knows of its own health beyond the stage's view (a disk buffer's fill and its store's errors). */
  health?(): SinkSelfHealth;
  /** Closes and reopens output files by path (SIGHUP after external rotation); sinks without files omit it. */
  reopen?(): void;
}
