// The configuration flags `start` and `validate` share: --config FILE and repeatable --set PATH=VALUE.
import type { Command } from 'commander';
import type { LoadOptions } from '../../config/load.js';
import { collect } from '../flag-values.js';

export interface ConfigFlags {
  config?: string;
  set?: string[];
}

export function configOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (.yaml, .yml, .json or .toml)')
    .option('--set <path=value>', 'override one setting, e.g. http.port=0 or inputs[0].framing=lines (repeatable)', collect);
}

export function loadOptions(flags: ConfigFlags): LoadOptions {
  return { file: flags.config, set: flags.set, env: process.env, onWarning: (m) => console.error(`zlog: warning: ${m}`) };
}
