// Certificates for a throw-away cluster, made with the openssl CLI (node:crypto cannot issue X.509).
// EC P-256 keys: RSA key generation would dominate a cluster's start time on 2 cores.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('openssl is not on PATH; install it (apt-get install openssl, or make system-deps)');
    }
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr || e.message).trim()}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = ['-days', '7'];

export interface KeyPair {
  cert: string;
  key: string;
}

/** A self-signed CA that signs the serving certificate and every client certificate. */
export async function makeCA(dir: string): Promise<KeyPair> {
  const pair = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  await openssl(
    ['req', '-x509', ...EC, ...DAYS, '-subj', '/CN=zlog-test-ca', '-keyout', pair.key, '-out', pair.cert,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'],
    dir,
  );
  return pair;
}

/**
 * A certificate signed by `ca`. Kubernetes reads a client's user name from CN and its groups from
 * the O entries.
 */
export async function issue(
  dir: string,
  ca: KeyPair,
  file: string,
  subject: { cn: string; groups?: string[] },
  usage: 'client' | 'server',
  sans: string[] = [],
): Promise<KeyPair> {
  const pair = { cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`) };
  const subj = [...(subject.groups ?? []).map((g) => `/O=${escapeRdn(g)}`), `/CN=${escapeRdn(subject.cn)}`].join('');
  const ext = [
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext', `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
  ];
  if (sans.length) ext.push('-addext', `subjectAltName=${sans.join(',')}`);
  // `req -x509 -CA` (OpenSSL >= 3.0) issues in one step, without a CSR file and serial bookkeeping.
  await openssl(
    ['req', '-x509', ...EC, ...DAYS, '-CA', ca.cert, '-CAkey', ca.key, '-subj', subj, '-keyout', pair.key, '-out', pair.cert, ...ext],
    dir,
  );
  return pair;
}

/** The service-account token signing key pair (ES256). */
export async function makeServiceAccountKey(dir: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, 'sa.key');
  const pub = join(dir, 'sa.pub');
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', key], dir);
  await openssl(['pkey', '-in', key, '-pubout', '-out', pub], dir);
  return { key, pub };
}

function escapeRdn(v: string): string {
  if (!/^[A-Za-z0-9:._@ -]+$/.test(v)) throw new Error(`certificate subject part '${v}' has characters this harness does not escape`);
  return v;
}

export async function base64Of(path: string): Promise<string> {
  return (await readFile(path)).toString('base64');
}
