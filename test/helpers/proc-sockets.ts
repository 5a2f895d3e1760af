// Sockets a process holds, from /proc: the inodes of its socket descriptors, to match against the inode column
// (field 10) of /proc/net/{tcp,tcp6,udp,udp6} (Linux Documentation/networking/proc_net_tcp.rst).
import { readdirSync, readlinkSync } from 'node:fs';

/** Inodes (decimal strings) of the sockets process `pid` has open now; a descriptor closed meanwhile is skipped. */
export function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}
