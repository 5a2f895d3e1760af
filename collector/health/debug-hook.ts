// A debug-only way to wedge the event loop, for the liveness test and for trying probes by hand: with
// ZLOG_DEBUG_HOOKS=1, SIGUSR2 toggles a mode in which the main thread busy-waits ZLOG_DEBUG_BLOCK_MS
// (default 3000) ms out of every ~10 ms. Off (and SIGUSR2 left alone) unless the variable is set.

let installed = false;

export function installDebugHooks(env: NodeJS.ProcessEnv = process.env): void {
  if (env.ZLOG_DEBUG_HOOKS !== '1' || installed) return;
  installed = true;
  const blockMs = Number(env.ZLOG_DEBUG_BLOCK_MS ?? 3000);
  let wedge: NodeJS.Timeout | undefined;
  process.on('SIGUSR2', () => {
    if (wedge) {
      clearInterval(wedge);
      wedge = undefined;
      process.stderr.write('{"msg":"debug hook: event loop released"}\n');
      return;
    }
    process.stderr.write(`{"msg":"debug hook: event loop wedged","blockMs":${blockMs}}\n`);
    wedge = setInterval(() => {
      const end = performance.now() + blockMs;
      while (performance.now() < end) {
        // busy-wait on purpose: this is the stuck loop the liveness probe must catch
      }
    }, 10);
    wedge.unref();
  });
}
