// The command line of a bench script: node:util's parseArgs plus `--help`/`-h` (the usage on stdout, exit 0)
// and a usage error that names the bad flag (stderr, exit 2, the `zlog` CLI's code for usage errors) instead
// of parseArgs' stack trace. The docs send readers to `node dist/bench/NAME.js --help`.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

/**
 * The collector entry point of a `--baseline DIR` checkout, or an Error naming what it lacks. A checkout with the
 * native receive addon's sources (native/binding.gyp) must have it built (native/build/Release or
 * native/prebuilds, where node-gyp-build looks): without it its collector falls back to zeromq.js (a warning in
 * its log only), and an A/B would compare receive paths rather than the change. Older checkouts without
 * native/ pass as they are.
 * @param dir the checkout's root (relative to the working directory, or absolute)
 * @returns the absolute path of its dist/collector/cli/main.js
 */
export function baselineCollector(dir: string): string | Error {
  const root = resolve(dir);
  const main = join(root, 'dist/collector/cli/main.js');
  if (!existsSync(main)) return new Error(`--baseline ${dir}: no ${main} (build it first: npx tsc -p tsconfig.json there)`);
  const native = join(root, 'native');
  if (existsSync(join(native, 'binding.gyp'))) {
    const built = existsSync(join(native, 'build/Release/zlog_receive.node'));
    const prebuilt = existsSync(join(native, 'prebuilds')) && readdirSync(join(native, 'prebuilds')).length > 0;
    if (!built && !prebuilt) {
      return new Error(
        `--baseline ${dir}: its native receive addon is not built, so its collector would use zeromq.js instead ` +
          `(build it: cd ${root} && bash scripts/build-native.sh)`,
      );
    }
  }
  return main;
}
