// --client-key and --server-key of `zlog send` and `zlog bench`: CurveZMQ to a CURVE input, keys from czmq zcert
// files (the client's secret certificate, the server's public one), as rsyslog's omczmq takes them.
import type { Command } from 'commander';
import type { CurveClientKeys } from '../../client/client.js';
import { curveFromFiles } from '../../security/client-curve.js';
import { UsageError } from '../exit.js';

export interface CurveFlags {
  clientKey?: string;
  serverKey?: string;
}

export function curveOptions(cmd: Command): Command {
  return cmd
    .option('--client-key <file>', 'CurveZMQ: this client\'s secret certificate (NAME.key_secret from zlog keygen)')
    .option('--server-key <file>', 'CurveZMQ: the collector\'s public certificate (server.key)');
}

/** Both flags or neither; a file that is missing or not the right kind of certificate is a usage error. */
export function curveFromFlags(f: CurveFlags): CurveClientKeys | undefined {
  if (f.clientKey === undefined && f.serverKey === undefined) return undefined;
  if (f.clientKey === undefined || f.serverKey === undefined) throw new UsageError("--client-key and --server-key go together: the client's secret certificate and the server's public certificate");
  try {
    return curveFromFiles(f.clientKey, f.serverKey);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
