// `zlog validate`: loads and checks a configuration exactly as `start` would, without opening anything.
import type { Command } from 'commander';
import YAML from 'yaml';
import { loadConfig } from '../../config/load.js';
import { EXIT, exitWith, type Subcommand } from '../exit.js';
import { configOptions, loadOptions, type ConfigFlags } from './config-flags.js';

export const validateCommand: Subcommand = {
  register(program: Command) {
    configOptions(program.command('validate').description('check a configuration (exit 2 naming every problem)'))
      .option('--print', 'print the full configuration with defaults as YAML')
      .action((flags: ConfigFlags & { print?: boolean }, c: Command) => exitWith(c, validate(flags)));
  },
};

function validate(flags: ConfigFlags & { print?: boolean }): number {
  const cfg = loadConfig(loadOptions(flags)); // throws ConfigError -> exit 2 with the list of problems
  if (flags.print) process.stdout.write(YAML.stringify(cfg));
  else console.log(`configuration is valid: ${cfg.inputs.length} input(s), ${cfg.sinks.length} sink(s), ack mode ${cfg.pipeline.ackMode}`);
  return EXIT.ok;
}
