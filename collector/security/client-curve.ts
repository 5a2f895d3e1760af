// A CurveZMQ client's keys from zcert files, the way rsyslog's omczmq takes them: the client's secret
// certificate (`clientcertpath`) and the server's public certificate (`servercertpath`).
import type { CurveClientKeys } from '../client/client.js';
import { READ_CAPS, readFileBounded } from '../util/read-bounded.js';
import { parseCertificate } from './zcert.js';

/** Throws Error naming the file that is missing, malformed or lacks the secret key. */
export function curveFromFiles(clientSecretCertFile: string, serverPublicCertFile: string): CurveClientKeys {
  const read = (file: string, what: string) => {
    try {
      return parseCertificate(readFileBounded(file, READ_CAPS.certificate), `${what} ${file}`);
    } catch (err) {
      throw new Error(`${what} ${file}: ${(err as Error).message.replace(`${what} ${file}: `, '')}`);
    }
  };
  const client = read(clientSecretCertFile, 'client certificate');
  if (client.secretKey === undefined) throw new Error(`client certificate ${clientSecretCertFile}: no secret-key; give the secret certificate (NAME.key_secret)`);
  const server = read(serverPublicCertFile, 'server certificate');
  return { serverPublicKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey };
}
