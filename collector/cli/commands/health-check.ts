// `zlog health-check`: probes /healthz (or /readyz) of a running collector; for exec probes and scripts.
import type { Command } from 'commander';
import { EXIT, exitWith, type Subcommand } from '../exit.js';
import { defaultUrl, httpUrl, positiveSeconds } from '../flag-values.js';
import { failingChecks, healthExitCode, HEALTH_EXIT } from '../../health/exit-codes.js';
import { fetchFailure, tcpProbe } from '../reach.js';

interface Flags {
  url?: string;
  ready?: boolean;
  timeout: number;
}

export const healthCheckCommand: Subcommand = {
  register(program: Command) {
    program.command('health-check').description('probe /healthz (or /readyz): exit 0 healthy, 3 unreachable, 4..8 the failing check (docs/operations.md)')
      .option('--url <url>', 'the collector\'s HTTP address (default $ZLOG_URL or http://127.0.0.1:9090)', httpUrl)
      .option('--ready', 'probe /readyz (accepting records) instead of /healthz (alive)')
      .option('--timeout <seconds>', 'give up after this long', positiveSeconds, 3)
      .action(async (flags: Flags, c: Command) => exitWith(c, await healthCheck(flags.url ?? defaultUrl(), Boolean(flags.ready), flags.timeout)));
  },
};

async function healthCheck(url: string, ready: boolean, timeoutSeconds: number): Promise<number> {
  const path = ready ? '/readyz' : '/healthz';
  try {
    const res = await fetch(new URL(path, url), { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    const body = (await res.text()).trim();
    if (res.ok) {
      console.log(`${path}: ${body}`);
      return EXIT.ok;
    }
    // Each failing check kind has its own exit code (health/exit-codes.ts), so a probe script can tell them apart.
    const failing = failingChecks(body);
    console.error(`${path}: HTTP ${res.status} ${body}`);
    if (failing.length === 0) {
      // Not a probe answer (no "[-]check failed" lines): a 404 from the admin listener (127.0.0.1:9091, which
      // serves /status and /drain) or another server on that port. Saying "failing unknown" hid the wrong --url.
      console.error(`zlog health-check: ${new URL(path, url).href} answered HTTP ${res.status} without a list of checks: not a zlog probe endpoint (the probes are on the collector's http listener, default port 9090; the admin listener, default port 9091, serves only GET /status and POST /drain); exit ${HEALTH_EXIT.unhealthy}`);
      return HEALTH_EXIT.unhealthy;
    }
    const code = healthExitCode(failing);
    console.error(`zlog health-check: failing ${failing.join(', ')}; exit ${code}`);
    return code;
  } catch (err) {
    // A listener whose process is alive but whose event loop does not turn still accepts TCP connections (the
    // kernel completes them into the listen backlog) and then never answers: that is a wedged collector (5), not
    // an unreachable one (3). Probing the port tells the two apart.
    if (isTimeout(err) && (await tcpProbe(`tcp://${hostPort(new URL(url))}`, 1000)) === undefined) {
      console.error(`${path}: collector at ${url} accepted the connection but did not answer within ${timeoutSeconds} s: its event loop is not turning`);
      console.error(`zlog health-check: failing event-loop; exit ${HEALTH_EXIT['event-loop']}`);
      return HEALTH_EXIT['event-loop'];
    }
    console.error(`${path}: collector at ${url} unreachable: ${fetchFailure(err, timeoutSeconds)}`);
    return HEALTH_EXIT.unhealthy;
  }
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** host:port of an http(s) URL, the scheme's default port when it names none; IPv6 hosts keep their brackets. */
function hostPort(u: URL): string {
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
}
