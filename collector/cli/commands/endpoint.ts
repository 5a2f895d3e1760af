// A ZeroMQ endpoint flag checked with the configuration's own endpoint rule (config/schema.ts), so the CLI and
// the config file accept exactly the same addresses.
import { InvalidArgumentError } from 'commander';
import { inputSchema } from '../../config/schema.js';

const ENDPOINT = new RegExp(inputSchema.properties.bind.items.pattern);

export function zmqEndpoint(raw: string): string {
  if (!ENDPOINT.test(raw)) {
    const hint = /^[A-Za-z0-9.-]+:\d+$/.test(raw) ? ` (did you mean tcp://${raw}?)` : '';
    throw new InvalidArgumentError(`expected a ZeroMQ endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME${hint}.`);
  }
  return raw;
}
