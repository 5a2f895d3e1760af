// Test certificates made with the system's openssl: a throwaway CA and a server certificate it signed (P-256,
// valid 2 days), as PEM files in a directory the caller owns and removes.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes ca.crt/ca.key and store.crt/store.key (plus the CSR and extension file) into `dir`; the server
 * certificate's CN and subjectAltName name `host`: an IP address becomes `IP:`, anything else `DNS:`. Returns the
 * PEM paths. Throws what openssl printed when it fails.
 */
export function makeCertificates(dir: string, host: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=zlog test CA');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('store.key'), '-out', f('store.csr'), '-subj', `/CN=${host}`);
  writeFileSync(f('san.ext'), `subjectAltName=${/^[\d.]+$|:/.test(host) ? 'IP' : 'DNS'}:${host}\n`);
  ssl('x509', '-req', '-in', f('store.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('store.crt'), '-days', '2', '-extfile', f('san.ext'));
  return { ca: f('ca.crt'), cert: f('store.crt'), key: f('store.key') };
}
