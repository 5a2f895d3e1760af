// `zlog keygen NAME [--dir DIR]`: a CurveZMQ key pair as czmq zcert files, NAME.key (public) and
// NAME.key_secret (mode 0600), readable by rsyslog's omczmq/imczmq, pyzmq's zmq.auth.load_certificate and zlog.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { formatCertificate, PUBLIC_EXTENSION, SECRET_SUFFIX } from '../security/zcert.js';

export function keygen(name: string | undefined, dir: string, force: boolean): number {
  if (!name || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    console.error(`zlog keygen: NAME must be letters, digits, ".", "_" or "-" (it names the client in records and logs), got ${JSON.stringify(name ?? '')}`);
    return 2;
  }
  const pub = join(dir, name + PUBLIC_EXTENSION);
  const sec = pub + SECRET_SUFFIX;
  for (const f of [pub, sec]) {
    if (existsSync(f) && !force) {
      console.error(`zlog keygen: ${f} exists; pass --force to replace it`);
      return 2;
    }
  }
  mkdirSync(dir, { recursive: true });
  const pair = curveKeyPair();
  const now = new Date();
  writeFileSync(pub, formatCertificate({ publicKey: pair.publicKey }, { name }, now), { mode: 0o644 });
  writeFileSync(sec, formatCertificate({ publicKey: pair.publicKey, secretKey: pair.secretKey }, { name }, now), { mode: 0o600 });
  console.log(`wrote ${pub} (public: give it to the other side) and ${sec} (secret: keep it)`);
  return 0;
}
