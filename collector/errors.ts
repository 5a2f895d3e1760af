// Typed errors. Every failure the collector reports carries a category (what kind of thing went wrong, used as
// the error_type metric label) and whether retrying the same operation can succeed.

export type ErrorCategory = 'config' | 'protocol' | 'capacity' | 'sink' | 'io' | 'internal';

export class LogServerError extends Error {
  readonly category: ErrorCategory;
  readonly retryable: boolean;
  constructor(message: string, category: ErrorCategory, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.category = category;
    this.retryable = retryable;
  }
}

/** Invalid configuration: names the path, the value and what was expected. */
export class ConfigError extends LogServerError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`, 'config', false);
    this.issues = issues;
  }
}

/**
 * Why a native batch (or a raw message) is rejected: the NACK reasons of the native protocol. The position in
 * this list + 1 is the reason's wire code (docs/protocol.md, protocol/reply.ts), so new reasons go at the end.
 */
export const REJECT_REASONS = ['checksum', 'version', 'too_large', 'malformed', 'busy', 'draining'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** A message or frame that cannot be accepted. `reason` becomes the discard metric label and the NACK code. */
export class ProtocolError extends LogServerError {
  readonly reason: RejectReason;
  constructor(reason: RejectReason, message: string, options?: { cause?: unknown }) {
    super(message, 'protocol', reason === 'busy' || reason === 'draining', options);
    this.reason = reason;
  }
}

/** Queues are full: the caller should push back (stop reading, NACK busy). */
export class CapacityError extends LogServerError {
  constructor(message: string) {
    super(message, 'capacity', true);
  }
}

/** A sink could not write or sync. Retryable unless the sink reports otherwise. */
export class SinkError extends LogServerError {
  readonly sinkId: string;
  constructor(sinkId: string, message: string, retryable = true, options?: { cause?: unknown }) {
    super(`sink ${sinkId}: ${message}`, 'sink', retryable, options);
    this.sinkId = sinkId;
  }
}

export function errorCategory(err: unknown): ErrorCategory {
  return err instanceof LogServerError ? err.category : 'internal';
}
