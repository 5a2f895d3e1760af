#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use (real peers: rsyslog + omczmq/imczmq, pyzmq,
# Prometheus, openssl), the image builder, and what the test cluster's real node runs on (containerd, runc, CNI
# plugins, iptables, conntrack, socat for kubectl port-forward). Idempotent: only missing packages are
# installed, and apt-get update runs only then.
set -euo pipefail
# buildah + debootstrap: the image builds (scripts/build-images.sh, test/images) without a registry or Docker engine.
# containerd .. socat: the cluster's kubelet node (test/cluster/node.ts); its own containerd is started by the
# harness with a config of its own, never Debian's service (policy-rc.d below keeps that one from starting).
# logrotate: the file sink under external rotation (SIGHUP reopen), as users run it.
pkgs=(rsyslog rsyslog-czmq python3-zmq prometheus openssl buildah debootstrap
      containerd runc containernetworking-plugins iptables conntrack socat logrotate curl iproute2)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-system-deps: installing ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Another installer (a second checkout, unattended upgrades) may hold the dpkg lock: wait for it rather than fail.
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
# --no-install-recommends keeps the set small; policy-rc.d stops the packages' services from being started.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
