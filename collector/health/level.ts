import type { CheckStatus } from './types.js';

/**
 * The status of a value against a warning and a critical threshold (both inclusive), and the threshold that
 * applies: the critical one once warning is reached, else the warning one.
 */
export function levelAbove(value: number, warning: number, critical: number): { status: CheckStatus; threshold: number } {
  if (value >= critical) return { status: 'critical', threshold: critical };
  if (value >= warning) return { status: 'warning', threshold: critical };
  return { status: 'ok', threshold: warning };
}
