#!/usr/bin/env bash
# Builds the native receive addon (native/src/*.cc -> native/build/Release/zlog_receive.node) against the libzmq
# scripts/build-libzmq.sh builds (Debian's 4.3.4-6 source with zlog's per-message limit patch, linked statically;
# libsodium, for CURVE, stays a shared library: libsodium23 at run time) and the running Node's own headers.
# Idempotent: the library comes from its cache, and the addon is rebuilt only when a source or the library is
# newer than it.
#   bash scripts/build-native.sh            build if needed
#   bash scripts/build-native.sh --prebuild also copy it to native/prebuilds/linux-<arch>/ (what node-gyp-build
#                                           loads when there is no build/: the image and packages ship this)
# Without the addon the collector still runs: its PULL/SUB inputs fall back to zeromq.js (and say so).
set -euo pipefail
cd "$(dirname "$0")/.."
out=native/build/Release/zlog_receive.node
prefix=$(bash scripts/build-libzmq.sh --prefix)
newest=$(find native/src native/binding.gyp "$prefix/lib/libzmq.a" -newer "$out" 2>/dev/null | head -1 || true)
if [ ! -f "$out" ] || [ -n "$newest" ]; then
  # The running Node's headers (Debian/NodeSource put them under <prefix>/include/node): no download.
  nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  [ -f "$nodedir/include/node/node_api.h" ] || { echo "build-native: no Node headers under $nodedir/include/node" >&2; exit 1; }
  (cd native && ../node_modules/.bin/node-gyp rebuild --nodedir="$nodedir" --loglevel=warn)
fi
if [ "${1:-}" = "--prebuild" ]; then
  dir="native/prebuilds/linux-$(node -p process.arch)"
  mkdir -p "$dir"
  cp "$out" "$dir/zlog_receive.napi.node"
fi
