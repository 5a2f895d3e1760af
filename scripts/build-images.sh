#!/usr/bin/env bash
# `make images`: builds Dockerfile.collector and Dockerfile.operator with the first container engine found
# (ZLOG_IMAGE_ENGINE=docker|podman|buildah to choose). When no registry is reachable, the Node base image is
# assembled locally (scripts/images/node-base.sh: debootstrap + this machine's Node) and passed as NODE_IMAGE.
#
#   bash scripts/build-images.sh               both images, tag = package.json version
#   ZLOG_IMAGE_TAG=dev bash scripts/build-images.sh
#   ZLOG_NODE_IMAGE=my.registry/node:20-slim bash scripts/build-images.sh
#
# Prints one line per image: name, size in bytes, build seconds. Exit 2 when no engine is installed
# (make system-deps installs buildah).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '[images %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# RUN steps in a chroot: works on machines (and inside CI containers) without runc/crun namespace support.
# buildah picks its storage driver itself (overlay where the kernel allows it, else vfs; STORAGE_DRIVER overrides).
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

engine="${ZLOG_IMAGE_ENGINE:-}"
if [[ -z "$engine" ]]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then engine=docker
  elif command -v podman >/dev/null; then engine=podman
  elif command -v buildah >/dev/null; then engine=buildah
  fi
fi
if [[ -z "$engine" ]]; then
  log "no container engine (docker with a running daemon, podman or buildah); install one with: make system-deps"
  exit 2
fi

tag="${ZLOG_IMAGE_TAG:-$(node -p "require('./package.json').version")}"
prefix="${ZLOG_IMAGE_PREFIX:-ghcr.io/zlog}"
base="${ZLOG_NODE_IMAGE:-}"
if [[ -z "$base" ]]; then
  # Any HTTP answer from Docker Hub's API means a registry is there to pull the Dockerfiles' default base from.
  if curl -s -o /dev/null --max-time 5 https://registry-1.docker.io/v2/ 2>/dev/null; then
    log "registry reachable: using the Dockerfiles' default NODE_IMAGE"
  elif [[ "$engine" == docker ]]; then
    log "no registry reachable and the local base is assembled with buildah; set ZLOG_NODE_IMAGE or ZLOG_IMAGE_ENGINE=buildah"
    exit 2
  else
    base="$(bash scripts/images/node-base.sh)"
    log "no registry reachable: local base $base"
  fi
fi

# Behind a TLS-inspecting proxy npm needs its CA: handed to the build as a secret, never written to a layer.
ca="${ZLOG_BUILD_CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}"

build() {
  local dockerfile="$1" image="$2" t0 args=()
  [[ -n "$base" ]] && args+=(--build-arg "NODE_IMAGE=$base")
  [[ -n "$ca" && -s "$ca" ]] && args+=(--secret "id=ca,src=$ca")
  t0=$(date +%s)
  log "$engine: $dockerfile -> $image"
  case "$engine" in
    docker) docker build -f "$dockerfile" -t "$image" "${args[@]}" . ;;
    # --pull=never with a local base: there is nothing to pull it from.
    podman) podman build -f "$dockerfile" -t "$image" --layers ${base:+--pull=never} "${args[@]}" . ;;
    buildah) buildah bud -f "$dockerfile" -t "$image" --layers ${base:+--pull=never} "${args[@]}" . ;;
  esac >&2
  local size
  case "$engine" in
    docker) size=$(docker image inspect -f '{{.Size}}' "$image") ;;
    podman) size=$(podman image inspect -f '{{.Size}}' "$image") ;;
    buildah) size=$(buildah images --json "$image" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].size))') ;;
  esac
  printf '%s %s %ss\n' "$image" "$size" "$(( $(date +%s) - t0 ))"
}

build Dockerfile.collector "$prefix/collector:$tag"
build Dockerfile.operator "$prefix/operator:$tag"
# Real emitters for the real-node tests: Debian's rsyslog + omczmq, and Python logging through pyzmq's PUBHandler.
build Dockerfile.rsyslog-sender "$prefix/rsyslog-sender:$tag"
build Dockerfile.python-sender "$prefix/python-sender:$tag"
