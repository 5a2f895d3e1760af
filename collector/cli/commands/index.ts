// Every `zlog` subcommand, in the order `zlog --help` lists them. A new subcommand is one module exporting a
// Subcommand (see validate.ts for a small one) plus one line here.
import type { Subcommand } from '../exit.js';
import { benchCommand } from './bench.js';
import { healthCheckCommand } from './health-check.js';
import { keygenCommand } from './keygen.js';
import { sendCommand } from './send.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';

export const COMMANDS: readonly Subcommand[] = [startCommand, validateCommand, statusCommand, healthCheckCommand, sendCommand, benchCommand, keygenCommand];
