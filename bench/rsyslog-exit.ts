// How the bench reads rsyslogd's exit after its SIGTERM.

/** A stopped rsyslogd: a `note` to print under the run, or a `problem` that fails the bench (exit status 1). */
export interface RsyslogStop {
  note?: string;
  problem?: string;
}

/**
 * Classifies rsyslogd's exit after the bench sent it SIGTERM. rsyslog 8.2302's imczmq crashes while shutting
 * down, after its queue was written: either glibc aborts in free() (SIGABRT, "free(): invalid pointer" on
 * stderr) or the process dies of SIGSEGV with nothing on stderr (three stops on 2026-11-30: one SIGSEGV, two
 * SIGABRT). Both are the known crash, so a note; the run's loss check still decides whether records went
 * missing. Any other failure (an exit status other than 0, another signal, no exit at all) is a problem.
 *
 * @param code the exit status, or null when it died of a signal or did not exit
 * @param signal the signal that ended it (ChildProcess.signalCode), or null
 * @param stderr the tail of its standard error
 */
export function rsyslogStop(code: number | null, signal: NodeJS.Signals | null, stderr: string): RsyslogStop {
  if (code === 0) return {};
  const how = signal ? `signal ${signal}` : code === null ? 'no exit' : `exit ${code}`;
  const known = (signal === 'SIGABRT' && /free\(\): invalid pointer/.test(stderr)) || signal === 'SIGSEGV';
  if (known) return { note: `rsyslogd crashed on SIGTERM (known imczmq shutdown crash, ${how})` };
  return { problem: `rsyslogd ended with ${how}: ${stderr.slice(-1500)}` };
}
