// `zlog health-check` exit codes: one per kind of failing check, so a script or an exec probe can tell what
// failed without parsing text (README "CLI exit codes" lists them). Several failing: the lowest code wins,
// which is also the most urgent (memory before a stuck loop before a stuck sink before a full queue).

export const HEALTH_EXIT = {
  /** Unreachable, no answer in time, or a failing check this table does not know. */
  unhealthy: 3,
  memory: 4,
  'event-loop': 5,
  sink: 6,
  backlog: 7,
  draining: 8,
} as const;

/** The check name as /healthz and /readyz print it ("sink:file", "heap") -> its exit code. */
function codeOf(check: string): number {
  const kind = check.split(':')[0];
  if (kind === 'memory' || kind === 'heap') return HEALTH_EXIT.memory;
  if (kind === 'event-loop') return HEALTH_EXIT['event-loop'];
  if (kind === 'sink') return HEALTH_EXIT.sink;
  if (kind === 'queue' || kind === 'oldest-record') return HEALTH_EXIT.backlog;
  if (kind === 'draining') return HEALTH_EXIT.draining;
  return HEALTH_EXIT.unhealthy;
}

/** Failing check names in a probe body ("[-]sink:file failed: ..." lines). */
export function failingChecks(body: string): string[] {
  return [...body.matchAll(/^\[-\](\S+) failed/gm)].map((m) => m[1]);
}

export function healthExitCode(failing: readonly string[]): number {
  return failing.length ? Math.min(...failing.map(codeOf)) : HEALTH_EXIT.unhealthy;
}
