// The zlog command line on commander: global --help/-h and --version/-V, one subcommand per module
// (commands/index.ts), per-subcommand help and flag checking, and one mapping from failures to exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../errors.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, EXIT_HELP, UsageError } from './exit.js';

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
