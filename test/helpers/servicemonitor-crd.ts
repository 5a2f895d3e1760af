// prometheus-operator's real ServiceMonitor CRD, taken from its Go module source by
// test/e2e/servicemonitor-crd.sh (cached per user). Shared by the operator and end-to-end tests.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../cluster/bins.js';

/** Path of the CRD file (fetched through the Go module proxy once, then cached). */
export async function serviceMonitorCrdPath(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(repoRoot(), 'test/e2e/servicemonitor-crd.sh')], { timeout: 300_000 });
  return stdout.trim();
}
