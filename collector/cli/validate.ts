// `zlog validate`: loads and checks a configuration exactly as `start` would, without opening anything.
import YAML from 'yaml';
import { loadConfig, type LoadOptions } from '../config/load.js';

export function validate(load: LoadOptions, print: boolean): number {
  const cfg = loadConfig(load); // throws ConfigError -> exit 2 with the list of problems
  if (print) process.stdout.write(YAML.stringify(cfg));
  else console.log(`configuration is valid: ${cfg.inputs.length} input(s), ${cfg.sinks.length} sink(s), ack mode ${cfg.pipeline.ackMode}`);
  return 0;
}
