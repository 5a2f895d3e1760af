// Exponential backoff with "equal jitter": half the delay is fixed so retries never come back immediately,
// half is random so many clients NACKed busy at the same moment do not retry in lock-step.

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Delay before retry number `attempt` (1 = first retry). `random` is injectable for tests. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return exp / 2 + random() * (exp / 2);
}
