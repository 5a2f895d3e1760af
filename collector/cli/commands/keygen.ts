// `zlog keygen NAME`: a CurveZMQ key pair as czmq zcert files (collector/cli/keygen.ts writes them).
import type { Command } from 'commander';
import { exitWith, type Subcommand } from '../exit.js';
import { keygen } from '../keygen.js';

export const keygenCommand: Subcommand = {
  register(program: Command) {
    program.command('keygen').description('write a CurveZMQ key pair: NAME.key (public) and NAME.key_secret (czmq zcert files)')
      .argument('<name>', 'names the key: a client\'s records and refusal logs carry it')
      .option('--dir <dir>', 'where to write the two files', '.')
      .option('--force', 'replace existing files')
      .action((name: string, flags: { dir: string; force?: boolean }, c: Command) => exitWith(c, keygen(name, flags.dir, Boolean(flags.force))));
  },
};
