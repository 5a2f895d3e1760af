// Key pairs for CURVE tests, made by the real `zlog keygen`: DIR/keys/NAME.key{,_secret} for every name, and
// DIR/clients/NAME.key (the collector's allow-list) for the allowed ones.
import { copyFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI } from './collector-process.js';

export interface TestKeys {
  keysDir: string;
  clientsDir: string;
  /** Public certificate of NAME. */
  pub(name: string): string;
  /** Secret certificate of NAME. */
  secret(name: string): string;
  /** Input security block for the collector config. */
  security: { mode: 'curve'; serverKeyFile: string; clientKeys: string };
}

export function makeKeys(dir: string, allowed: readonly string[], others: readonly string[]): TestKeys {
  const keysDir = join(dir, 'keys');
  const clientsDir = join(dir, 'clients');
  mkdirSync(clientsDir, { recursive: true });
  for (const name of ['server', ...allowed, ...others]) execFileSync(process.execPath, [CLI, 'keygen', name, '--dir', keysDir], { stdio: 'pipe' });
  for (const name of allowed) copyFileSync(join(keysDir, `${name}.key`), join(clientsDir, `${name}.key`));
  return {
    keysDir,
    clientsDir,
    pub: (n) => join(keysDir, `${n}.key`),
    secret: (n) => join(keysDir, `${n}.key_secret`),
    security: { mode: 'curve', serverKeyFile: join(keysDir, 'server.key_secret'), clientKeys: clientsDir },
  };
}
