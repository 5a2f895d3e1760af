// Picks the receive path a ZeroMQ input's `receiver` setting asks for (see receiverProperty in schema.ts): the
// native addon's thread, or zeromq.js; and builds zmq-pull and zmq-sub inputs on it (zmq-router: its index.ts).
import type * as zmq from 'zeromq';
import type { Input, InputContext } from '../input.js';
import type { ZmqPullConfig } from '../zmq-pull/schema.js';
import type { ZmqSubConfig } from '../zmq-sub/schema.js';
import { FrameInput } from './frame-input.js';
import { NativeFrameInput } from './native-frame-input.js';
import { loadNativeReceive, type NativeReceiveAddon } from './native-receive.js';

let warned = false;

/**
 * The native addon for an input whose `receiver` setting allows it, else undefined (use zeromq.js).
 * `receiver: native` without the addon is an error naming how to build it; `auto` without it falls back to
 * zeromq.js and logs that once per process. CURVE works on both: the addon runs its own ZAP handler and puts
 * the client key's name on every record (clientKey); zeromq.js cannot read a message's User-Id, so its records
 * go without it.
 */
export function nativeAddonFor(cfg: { id: string; receiver?: string; security?: { mode?: string } }, ctx: Pick<InputContext, 'log'>): NativeReceiveAddon | undefined {
  if (cfg.receiver === 'zeromq') return undefined;
  const loaded = loadNativeReceive();
  const addon = !(loaded instanceof Error) && cfg.security?.mode === 'curve' && !loaded.curve ? new Error("the addon's libzmq has no CURVE support (libzmq built without libsodium)") : loaded;
  if (!(addon instanceof Error)) return addon;
  if (cfg.receiver === 'native') throw new Error(`input ${cfg.id}: receiver native: the native receive addon is not available (build it with make native): ${addon.message}`);
  if (!warned) {
    warned = true;
    ctx.log.warn({ input: cfg.id, err: addon.message }, 'native receive addon not available (make native builds it); ZeroMQ inputs use zeromq.js');
  }
  return undefined;
}

/** A zmq-pull or zmq-sub input on the receive path nativeAddonFor picks. */
export function createFrameInput(cfg: ZmqPullConfig | ZmqSubConfig, ctx: InputContext, zeromqSocket: () => zmq.Pull | zmq.Subscriber): Input {
  const addon = nativeAddonFor(cfg, ctx);
  return addon ? new NativeFrameInput(cfg, ctx, addon) : new FrameInput(cfg, ctx, zeromqSocket());
}
