// Runs an image built by buildah the way a container runtime with the restricted Pod Security profile would, using
// only the kernel: the image's root filesystem (buildah mount) bind-mounted read-only, its own PID and mount
// namespaces (so the entrypoint is PID 1 and receives the SIGTERM), a tmpfs /tmp, the image's User, Env,
// WorkingDir, Entrypoint and Cmd from its OCI config, and volumes bind-mounted where the pod would mount them.
// Needs root (mount, chroot) and buildah; the caller skips otherwise.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
// RUN steps without a container runtime daemon (scripts/build-images.sh sets the same).
export const BUILDAH_ENV = { ...process.env, BUILDAH_ISOLATION: 'chroot' };

export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string>;
}

export async function buildah(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await run('buildah', args, { env: BUILDAH_ENV, timeout: timeoutMs, maxBuffer: 16 << 20 });
  return stdout.trim();
}

export async function imageConfig(image: string): Promise<ImageConfig> {
  // buildah 1.28's --format has no json function: take the whole document.
  return (JSON.parse(await buildah(['inspect', '--type', 'image', image])) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
}

/** A working container of the image and its mounted root filesystem; release() unmounts and removes it. */
export async function mountImage(image: string): Promise<{ rootfs: string; release: () => Promise<void> }> {
  const ctr = await buildah(['from', '--pull=never', '--quiet', image]);
  const rootfs = await buildah(['mount', ctr]);
  return {
    rootfs,
    release: async () => {
      await buildah(['umount', ctr]).catch(() => undefined);
      await buildah(['rm', ctr]).catch(() => undefined);
    },
  };
}

export interface Started {
  /** PID (on this machine) of `unshare`, the namespaces' parent. */
  readonly unsharePid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** PID on this machine of the process that is PID 1 inside (the image's entrypoint). */
  pid1(): number | undefined;
  /** Sends a signal to the container's PID 1, as the kubelet does. */
  signal(sig: NodeJS.Signals): void;
  kill(): void;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export { childrenOf };

/**
 * Starts the image's entrypoint + cmd (or `args` instead of cmd; or `exec`, a command looked up on the image's PATH
 * instead of both, as `kubectl exec POD -- CMD...` runs it). `volumes` maps a directory on this machine to a path
 * inside, as a pod's volumeMounts would.
 */
export function runImage(rootfs: string, config: ImageConfig, opts: { args?: string[]; exec?: string[]; volumes?: Record<string, string> } = {}): Started {
  const [user, group] = (config.User ?? '0:0').split(':');
  const env = (config.Env ?? []).filter((e) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(e));
  const argv = opts.exec ?? [...(config.Entrypoint ?? []), ...(opts.args ?? config.Cmd ?? [])];
  if (argv.length === 0) throw new Error('image has neither Entrypoint nor Cmd');
  const binds = Object.entries(opts.volumes ?? {});
  // Positional parameters: $1 rootfs, $2 user:group, $3 workdir, $4 number of binds, the host/inside pairs, then
  // NAME=VALUE environment and the command (env(1) reads both). No value is spliced into the script text.
  const script = `
set -eu
R="$1"; U="$2"; W="$3"; n="$4"; shift 4
mount --make-rprivate /
mount --bind "$R" "$R"
mount -o remount,bind,ro "$R"
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$R/tmp"
mount -t tmpfs -o mode=755,size=1m tmpfs "$R/dev"
for d in null zero random urandom; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
while [ "$n" -gt 0 ]; do mount --bind "$1" "$R$2"; shift 2; n=$((n-1)); done
exec chroot --userspec="$U" "$R" /usr/bin/env -i -C "$W" "$@"
`;
  const args = [
    '--mount', '--pid', '--fork', '--kill-child',
    '/bin/sh', '-c', script, 'sh',
    rootfs, `${user}:${group ?? user}`, config.WorkingDir || '/', String(binds.length),
    ...binds.flatMap(([host, inside]) => [host, inside]),
    ...env, ...argv,
  ];
  const child: ChildProcess = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  if (child.pid === undefined) throw new Error('cannot start unshare');
  const unsharePid = child.pid;
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  const pid1 = () => childrenOf(unsharePid)[0];
  return {
    unsharePid,
    exited,
    output: () => out,
    pid1,
    signal: (sig) => {
      const p = pid1();
      if (p !== undefined && !gone) process.kill(p, sig);
    },
    kill: () => {
      if (!gone) process.kill(unsharePid, 'SIGKILL');
    },
  };
}
