// The zlog command line on commander: global --help/-h and --version/-V, one subcommand per module
// (commands/index.ts), per-subcommand help and flag checking, and one mapping from failures to exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ADMIN_PORT } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { COMMANDS } from './commands/index.js';

/** Exit codes of every subcommand (documented in `zlog --help`, README.md and docs/operations.md). */
export const EXIT = { ok: 0, failure: 1, usage: 2, unhealthy: 3 } as const;

const EXIT_HELP = `Exit codes:
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

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The program with every subcommand; exitOverride makes parsing errors throw CommanderError instead of exiting. */
export function createProgram(): Command {
  const program = new Command('zlog')
    .description('ZeroMQ log collector for Kubernetes: run it, check it, send it records')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help (zlog <command> --help for a command\'s flags)')
    .addHelpText('after', `\n${EXIT_HELP}\n\nConfiguration: defaults < --config YAML/TOML < ZLOG_* environment < --set (docs/configuration.md).`)
    .showHelpAfterError('(zlog <command> --help lists its flags)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const c of COMMANDS) c.register(program);
  return program;
}

/** Runs argv (without node and script) and returns the exit code; never throws. */
export async function run(argv: string[]): Promise<number> {
  const program = createProgram();
  let code: number = EXIT.ok;
  // Actions report their exit code through this hook (commander's action results are not returned by parseAsync).
  program.hook('postAction', (_p, action) => {
    const c = (action as Command & { exitCode?: number }).exitCode;
    if (c !== undefined) code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end parsing with exit code 0; everything else commander refuses is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      console.error(`zlog: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      console.error(`zlog: ${err.message}`);
      return EXIT.usage;
    }
    console.error(`zlog: ${(err as Error).stack ?? String(err)}`);
    return EXIT.failure;
  }
}

/** Sets the exit code an action returns (read by run()). */
export function exitWith(cmd: Command, code: number): void {
  (cmd as Command & { exitCode?: number }).exitCode = code;
}

// ---- flag value parsers: a bad value throws InvalidArgumentError, which commander reports as a usage error ----

export function positiveInt(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

export function positiveSeconds(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0, e.g. 5 or 0.5.');
  return n;
}

export function port(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a TCP port 0..65535.');
  return n;
}

export function httpUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InvalidArgumentError('expected an http:// URL, e.g. http://127.0.0.1:9090.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('expected an http:// or https:// URL.');
  return raw;
}

/** Repeatable flags (--set a=1 --set b=2). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The collector's HTTP URL unless --url says otherwise: ZLOG_URL, else ZLOG_HTTP_PORT on 127.0.0.1, else :9090. */
export function defaultUrl(): string {
  return process.env.ZLOG_URL ?? `http://127.0.0.1:${process.env.ZLOG_HTTP_PORT ?? 9090}`;
}

/** GET /status lives on the loopback admin listener (docs/security.md): ZLOG_ADMIN_URL, else ZLOG_ADMIN_PORT, else :9091. */
export function adminUrl(): string {
  return process.env.ZLOG_ADMIN_URL ?? `http://127.0.0.1:${process.env.ZLOG_ADMIN_PORT ?? ADMIN_PORT}`;
}
