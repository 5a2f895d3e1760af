// The container's memory limit from its cgroup, v1 or v2. Parsing is pure (the file contents are arguments);
// readCgroupMemoryLimit() does the reads. Sources: the kernel's cgroup-v1 memory.rst (memory.limit_in_bytes,
// "unlimited" is a huge page-aligned number) and cgroup-v2.rst (memory.max, "max" when unlimited);
// proc(5) for /proc/self/cgroup and /proc/self/mountinfo.
import { posix } from 'node:path';
import { READ_CAPS, readFileBoundedAsync } from '../util/read-bounded.js';

export interface CgroupMount {
  version: 1 | 2;
  /** Where the hierarchy is mounted, e.g. /sys/fs/cgroup/memory (v1) or /sys/fs/cgroup (v2). */
  mountPoint: string;
  /** The cgroup path of the mount's root (mountinfo field 4): "/" unless a parent's view is bind-mounted. */
  root: string;
}

/** v1 values at or above this mean "no limit" (the kernel reports PAGE_COUNTER_MAX pages as ~2^63). */
const V1_UNLIMITED = 2 ** 60;

/** The memory controller's mount from /proc/self/mountinfo: a v1 `memory` hierarchy, else the v2 one. */
export function findMemoryMount(mountinfo: string): CgroupMount | null {
  let v2: CgroupMount | null = null;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const [fstype, , superOpts = ''] = right;
    const root = unescape(left[3] ?? '/');
    const mountPoint = unescape(left[4] ?? '');
    if (fstype === 'cgroup' && superOpts.split(',').includes('memory')) return { version: 1, mountPoint, root };
    if (fstype === 'cgroup2' && !v2) v2 = { version: 2, mountPoint, root };
  }
  return v2;
}

/** This process's cgroup path for the mount's version from /proc/self/cgroup ("ID:controllers:path" lines). */
export function cgroupPath(procCgroup: string, version: 1 | 2): string | null {
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (version === 2 && m[1] === '0' && m[2] === '') return m[3];
    if (version === 1 && m[2].split(',').includes('memory')) return m[3];
  }
  return null;
}

/**
 * The directories whose limit applies, innermost first: the process's cgroup and its ancestors up to the
 * mount's root (a limit on a parent bounds its children too). A path outside the mount's root (a cgroup
 * namespace shows "/" while the mount is the namespace root) maps to the mount point itself.
 */
export function limitDirs(mount: CgroupMount, path: string): string[] {
  const rel = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
  const dirs: string[] = [];
  let p = posix.normalize('/' + rel);
  for (let i = 0; i < 64; i++) {
    dirs.push(p === '/' ? mount.mountPoint : posix.join(mount.mountPoint, p));
    if (p === '/') break;
    p = posix.dirname(p);
  }
  return dirs;
}

/** A limit file's content as bytes, or null for no limit ("max" in v2, ~2^63 in v1). */
export function parseLimit(text: string, version: 1 | 2): number | null {
  const s = text.trim();
  if (s === 'max' || s === '') return null;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) return null;
  if (version === 1 && n >= V1_UNLIMITED) return null;
  return n;
}

/** Reads the smallest memory limit on the way from this process's cgroup to the root; null when none. */
export async function readCgroupMemoryLimit(proc = '/proc/self'): Promise<number | null> {
  try {
    const [mountinfo, cgroup] = await Promise.all([readFileBoundedAsync(`${proc}/mountinfo`, READ_CAPS.kernel), readFileBoundedAsync(`${proc}/cgroup`, READ_CAPS.kernel)]);
    const mount = findMemoryMount(mountinfo);
    if (!mount) return null;
    const path = cgroupPath(cgroup, mount.version);
    if (path === null) return null;
    const file = mount.version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
    let limit: number | null = null;
    for (const dir of limitDirs(mount, path)) {
      const text = await readFileBoundedAsync(posix.join(dir, file), READ_CAPS.kernel).catch(() => '');
      const l = parseLimit(text, mount.version);
      if (l !== null && (limit === null || l < limit)) limit = l;
    }
    return limit;
  } catch {
    // Not Linux, or /proc not mounted: no container limit to honour.
    return null;
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040 ...). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
