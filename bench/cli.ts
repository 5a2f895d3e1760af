// The command line of a bench script: node:util's parseArgs plus `--help`/`-h` (the usage on stdout, exit 0)
// and a usage error that names the bad flag (stderr, exit 2, the `zlog` CLI's code for usage errors) instead
// of parseArgs' stack trace. The docs send readers to `node dist/bench/NAME.js --help`.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What `benchArgs` reports instead of exiting (for tests); a script passes nothing and gets `process.exit`. */
export interface BenchArgsExit {
  (code: 0 | 2, text: string): never;
}

function exitWith(code: 0 | 2, text: string): never {
  (code === 0 ? process.stdout : process.stderr).write(text.endsWith('\n') ? text : `${text}\n`);
  process.exit(code);
}

/**
 * parseArgs(config) with `help` added. `--help` or `-h` calls `exit(0, usage)`; an unknown flag, a missing value
 * or an unexpected positional calls `exit(2, "<script>: <parseArgs' message>\n<usage>")`.
 * @param usage the full usage text (first line `usage: node dist/bench/NAME.js ...`)
 * @param config as for parseArgs; `args` defaults to process.argv.slice(2)
 */
export function benchArgs<T extends ParseArgsConfig>(usage: string, config: T, exit: BenchArgsExit = exitWith) {
  const args = config.args ?? process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) exit(0, usage);
  try {
    return parseArgs({ ...config, args });
  } catch (err) {
    const name = /node dist\/bench\/([\w-]+\.js)/.exec(usage)?.[1] ?? 'bench';
    return exit(2, `${name}: ${(err as Error).message}\n${usage}`);
  }
}
