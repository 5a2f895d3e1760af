// Per-sink health as the collector reports it: the fill of the sink's queue and disk buffer against their
// bounds, its last error (text and time) and whether it is retrying now. One shape for /status (admin), GET
// /sinks (public, read by the operator for the LogServer status) and the zlog_sink_* gauges; docs/sinks.md
// ("Sink health") documents it field by field, and changing it is an API change.

/** Error texts are cut to this many characters (a store's error body can be large). */
export const MAX_ERROR_CHARS = 256;

/** An error and when it happened. */
export interface ErrorNote {
  message: string;
  /** RFC 3339 UTC time of the last failure with this or another message. */
  time: string;
}

/** What a sink reports of itself (Sink.health): only sinks that hold records past the stage have a buffer. */
export interface SinkSelfHealth {
  /** True while the sink's own forwarder (disk buffer to store) fails and retries. */
  retrying: boolean;
  lastError: ErrorNote | null;
  buffer?: BufferHealth;
  /** Only sinks with a deadLetterPath. */
  deadLetter?: DeadLetterHealth;
}

/** The dead-letter file of a sink that has one (deadLetterPath): how full it is and what did not fit. */
export interface DeadLetterHealth {
  /** deadLetterPath as configured. */
  path: string;
  /** Bytes in the file: its size at start plus what this run appended. */
  bytes: number;
  /** deadLetterMaxBytes. */
  maxBytes: number;
  /** Records the store refused for good that were not appended because the file was full (this run). */
  skipped: number;
}

export interface BufferHealth {
  /** Unsent bytes in the disk buffer. */
  bytes: number;
  /** buffer.maxBytes. */
  maxBytes: number;
  /** Age in seconds of the oldest unsent data (0 when empty). */
  oldestAgeSeconds: number;
  /** Bytes found at start (a previous run's) that are not yet sent. */
  replayRemainingBytes: number;
  /** A write is waiting for room (the next one would pass maxBytes): the sink queue fills next. */
  full: boolean;
}

export interface QueueHealth {
  /** Records waiting for (or being written to) the sink. */
  records: number;
  /** NDJSON bytes of those records. */
  bytes: number;
  /** Processed batches (worker chunks) holding them. */
  batches: number;
  /** pipeline.sinkQueue.maxBytes. */
  maxBytes: number;
  /** pipeline.sinkQueue.maxBatches. */
  maxBatches: number;
  /** Over a bound: the collector admits nothing more until it is back under. */
  full: boolean;
}

/**
 * `healthy`: the last write (and the disk buffer's last send) succeeded, or none failed yet.
 * `retrying`: a write to the sink, or its disk buffer's send to the store, is failing and being retried; its
 * records wait (nothing is dropped).
 */
export type SinkState = 'healthy' | 'retrying';

export interface SinkHealth {
  id: string;
  type: string;
  state: SinkState;
  queue: QueueHealth;
  /** null when the sink has no disk buffer. */
  buffer: BufferHealth | null;
  /** null when the sink has no dead-letter file (deadLetterPath). */
  deadLetter: DeadLetterHealth | null;
  /** The most recent error of the sink (kept after recovery, so a flapping store shows); null if none yet. */
  lastError: ErrorNote | null;
}

/** An ErrorNote for `message` now, cut to MAX_ERROR_CHARS. */
export function errorNote(message: string, at: Date = new Date()): ErrorNote {
  return { message: message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS - 1)}…` : message, time: at.toISOString() };
}

/** The later of two notes (either may be null). */
export function latestError(a: ErrorNote | null, b: ErrorNote | null): ErrorNote | null {
  if (!a) return b;
  if (!b) return a;
  return b.time > a.time ? b : a;
}

/** One sink's health from what the stage knows (its lane) and what the sink reports of itself. */
export function sinkHealth(
  sink: { id: string; type: string },
  stage: { retrying: boolean; lastError: ErrorNote | null; queue: QueueHealth },
  self: SinkSelfHealth | undefined,
): SinkHealth {
  return {
    id: sink.id,
    type: sink.type,
    state: stage.retrying || self?.retrying ? 'retrying' : 'healthy',
    queue: stage.queue,
    buffer: self?.buffer ?? null,
    deadLetter: self?.deadLetter ?? null,
    lastError: latestError(stage.lastError, self?.lastError ?? null),
  };
}
