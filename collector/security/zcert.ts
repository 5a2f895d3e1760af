// CurveZMQ certificates in czmq's `zcert` text format (ZPL, czmq zcert_save): the files rsyslog's omczmq/imczmq
// (`servercertpath`, `clientcertpath`) and pyzmq's `zmq.auth.load_certificate` read. A key pair NAME is two files:
//   NAME.key         public certificate: `curve` section with `public-key = "<Z85>"`
//   NAME.key_secret  secret certificate: the same plus `secret-key = "<Z85>"` (mode 0600)
// Parsing is pure (text in, keys out); reading and writing files is the caller's edge.
import { isCurveKeyZ85 } from './z85.js';

export interface Certificate {
  /** Z85, 40 characters. */
  publicKey: string;
  /** Z85, 40 characters; absent in a public certificate. */
  secretKey?: string;
}

/** The suffix czmq's zcert_save and pyzmq's create_certificates give the secret half of a pair. */
export const SECRET_SUFFIX = '_secret';
export const PUBLIC_EXTENSION = '.key';

/**
 * Reads `public-key` and `secret-key` from a ZPL certificate. Comment lines (#) and other sections are ignored,
 * as czmq and pyzmq do. Throws Error naming what is missing or malformed (`source` names the file in messages).
 */
export function parseCertificate(text: string, source = 'certificate'): Certificate {
  let publicKey: string | undefined;
  let secretKey: string | undefined;
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    // Only whole-line comments: '#' is a Z85 character and appears inside keys.
    const line = raw;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const indent = /^\s*/.exec(line)![0].length;
    const m = /^\s*([A-Za-z0-9$\-_@.&+/]+)\s*(?:=\s*(.*?))?\s*$/.exec(line);
    if (!m) continue;
    if (indent === 0) {
      section = m[1];
      continue;
    }
    if (section !== 'curve' || m[2] === undefined) continue;
    const value = m[2].replace(/^(["'])(.*)\1$/, '$2');
    if (m[1] === 'public-key') publicKey = value;
    else if (m[1] === 'secret-key') secretKey = value;
  }
  if (publicKey === undefined) throw new Error(`${source}: no curve public-key (expected a czmq zcert file, e.g. from zlog keygen)`);
  if (!isCurveKeyZ85(publicKey)) throw new Error(`${source}: public-key is not a 40-character Z85 CurveZMQ key`);
  if (secretKey !== undefined && !isCurveKeyZ85(secretKey)) throw new Error(`${source}: secret-key is not a 40-character Z85 CurveZMQ key`);
  return secretKey === undefined ? { publicKey } : { publicKey, secretKey };
}

/** The text of a certificate in zcert's layout; with a secret key it is the secret certificate. */
export function formatCertificate(cert: Certificate, metadata: Record<string, string> = {}, now = new Date()): string {
  const secret = cert.secretKey !== undefined;
  const lines = [
    `#   ****  Generated on ${now.toISOString().replace('T', ' ').slice(0, 19)} by zlog keygen  ****`,
    secret ? '#   ZeroMQ CURVE **Secret** Certificate' : '#   ZeroMQ CURVE Public Certificate',
    secret ? '#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.' : '#   Give this file to the parties that must recognise this key.',
    '',
    'metadata',
    ...Object.entries(metadata).map(([k, v]) => `    ${k} = ${JSON.stringify(v)}`),
    'curve',
    `    public-key = "${cert.publicKey}"`,
    ...(secret ? [`    secret-key = "${cert.secretKey}"`] : []),
    '',
  ];
  return lines.join('\n');
}

/** The name a public certificate file gives its key: the file name without `.key` (`web.key` -> `web`). */
export function keyNameOf(fileName: string): string {
  return fileName.endsWith(PUBLIC_EXTENSION) ? fileName.slice(0, -PUBLIC_EXTENSION.length) : fileName;
}
