#!/usr/bin/env bash
# Builds the native receive addon (native/src/*.cc -> native/build/Release/zlog_receive.node) against Debian's
# libzmq (libzmq3-dev to build, libzmq5 at run time) and the running Node's own headers, offline.
# Idempotent: installs libzmq3-dev only when missing, rebuilds only when a source is newer than the addon.
#   bash scripts/build-native.sh            build if needed
#   bash scripts/build-native.sh --prebuild also copy it to native/prebuilds/linux-<arch>/ (what node-gyp-build
#                                           loads when there is no build/: the image and packages ship this)
# Without the addon the collector still runs: its PULL/SUB inputs fall back to zeromq.js (and say so).
set -euo pipefail
cd "$(dirname "$0")/.."
out=native/build/Release/zlog_receive.node
if ! dpkg-query -W -f='${Status}' libzmq3-dev 2>/dev/null | grep -q "install ok installed"; then
  echo "build-native: installing libzmq3-dev" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends libzmq3-dev pkg-config >/dev/null
fi
newest=$(find native/src native/binding.gyp -newer "$out" 2>/dev/null | head -1 || true)
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
