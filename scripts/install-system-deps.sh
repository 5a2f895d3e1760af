#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use (real peers: rsyslog + omczmq/imczmq, pyzmq,
# Prometheus, openssl). Idempotent: only missing packages are installed, and apt-get update runs only then.
set -euo pipefail
# buildah + debootstrap: the image builds (scripts/build-images.sh, test/images) without a registry or Docker engine.
pkgs=(rsyslog rsyslog-czmq python3-zmq prometheus openssl buildah debootstrap)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-system-deps: installing ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps the set small; policy-rc.d stops the packages' services from being started.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
