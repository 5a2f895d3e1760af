#!/usr/bin/env bash
# Assembles a local Node base image for the Dockerfiles when no registry is reachable: a Debian bookworm
# minbase root filesystem (debootstrap, from the Debian mirror) plus this machine's Node runtime laid out as
# the official node images do (/usr/local/bin/node, /usr/local/lib/node_modules/npm, /usr/local/include/node). Prints the image name.
#
# Cached and idempotent: the root filesystem tarball lives under ${XDG_CACHE_HOME:-~/.cache}/zlog/images and
# the image in buildah's storage; both are reused while the Node version stays the same.
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/zlog/images"
suite="${ZLOG_BASE_SUITE:-bookworm}"
mirror="${ZLOG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node_bin="$(readlink -f "$(command -v node)")"
node_version="$(node -p process.versions.node)"
# -2: the layout gained Node's headers (include/node), which the collector image's native addon build uses.
image="localhost/zlog-node-base:${node_version}-${suite}-2"
log() { printf '[node-base %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if buildah inspect --type image "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if buildah inspect --type image "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi

rootfs_tar="$cache/$suite-minbase.tar"
if [[ ! -s "$rootfs_tar" ]]; then
  command -v debootstrap >/dev/null || { log "debootstrap is missing: make system-deps"; exit 2; }
  work="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  log "debootstrap $suite (minbase) from $mirror (once; cached in $rootfs_tar)"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$work/root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { log "debootstrap failed; see $cache/debootstrap.log"; exit 1; }
  # apt's downloaded packages and lists are build-time only.
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
  tar -C "$work/root" --numeric-owner -cf "$rootfs_tar.tmp" .
  mv -f "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$work"
  trap - EXIT
fi

# The machine's Node (a nodesource build of the same major the project pins) under /usr/local.
node_prefix="$(dirname "$(dirname "$node_bin")")"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/usr/local/bin" "$stage/usr/local/lib/node_modules" "$stage/usr/local/include"
cp "$node_bin" "$stage/usr/local/bin/node"
cp -a "$node_prefix/include/node" "$stage/usr/local/include/"
for m in npm corepack; do
  [[ -d "$node_prefix/lib/node_modules/$m" ]] && cp -a "$node_prefix/lib/node_modules/$m" "$stage/usr/local/lib/node_modules/"
done
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/usr/local/bin/npx"
tar -C "$stage" --numeric-owner -cf "$stage.tar" usr
log "assembling $image (node $node_version from $node_bin)"
ctr="$(buildah from scratch)"
buildah add --quiet "$ctr" "$rootfs_tar" / >/dev/null
buildah add --quiet "$ctr" "$stage.tar" / >/dev/null
rm -f "$stage.tar"
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_VERSION="$node_version" \
  --cmd node --label org.opencontainers.image.description="local Node $node_version on Debian $suite minbase" "$ctr"
buildah commit --quiet --rm "$ctr" "$image" >/dev/null
echo "$image"
