// What every subcommand shares with the program: exit codes, the usage error, the Subcommand contract.
// Its own module so that the subcommands and program.ts (which imports them) do not import each other.
import type { Command } from 'commander';

/** Exit codes of every subcommand (documented in `zlog --help`, README.md and docs/operations.md). */
export const EXIT = { ok: 0, failure: 1, usage: 2, unhealthy: 3 } as const;

export const EXIT_HELP = `Exit codes:
  ${EXIT.ok}  success
  ${EXIT.failure}  runtime failure (drain incomplete, records not acknowledged, bench records failed)
  ${EXIT.usage}  usage error or invalid configuration (unknown command or flag, bad flag value, bad endpoint)
  ${EXIT.unhealthy}  collector unreachable or unhealthy (health-check, status)`;

/** A bad flag value found after commander parsed the flags (exit 2, message printed with the usage hint). */
export class UsageError extends Error {}

/** What a subcommand module exports: how to add itself to the program. */
export interface Subcommand {
  /** Adds the subcommand to program (program.command(...)...). Its action returns the exit code. */
  register(program: Command): void;
}

/** Sets the exit code an action returns (read by run()). */
export function exitWith(cmd: Command, code: number): void {
  (cmd as Command & { exitCode?: number }).exitCode = code;
}
