// Tests that need a real peer (rsyslog, pyzmq, buildah) skip on a developer machine that lacks it, with the
// command that installs it. In CI (CI=true) a missing peer is an error instead: `make test` installs every
// one, so a skip there would hide a broken install step.

/** Returns the skip reason, or false to run; throws in CI when something is missing. */
export function skipUnless(missing: string | undefined | false): string | false {
  if (!missing) return false;
  if (process.env.CI) throw new Error(`required for this test but missing: ${missing}`);
  return missing;
}
