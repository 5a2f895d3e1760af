#!/usr/bin/env bash
# Builds the libzmq the native receive addon links statically: Debian bookworm's own source package
# (zeromq3 4.3.4-6: upstream tarball plus Debian's patches) with zlog's patches native/libzmq/*.patch:
# zlog-message-limits.patch (per-message byte and frame limits, ZLOG_ZMQ_MAXMSGBYTES / ZLOG_ZMQ_MAXMSGPARTS: libzmq's
# ZMQ_MAXMSGSIZE bounds each frame only, and a multipart message is held whole until its last frame arrives) and
# zlog-router-routing-ids.patch (ZLOG_ZMQ_ROUTER_REFUSE_DUPLICATE: a routing id in use is refused, not taken over or
# misread; a connection whose pipe the socket ended is closed, not left in CLOSE-WAIT) and
# zlog-stream-read-to-eof.patch (a peer's hang-up while input is stopped at the receive HWM no longer drops the complete
# messages still in the kernel's buffer: the engine reads on to end-of-stream as the pipe makes room).
#   bash scripts/build-libzmq.sh            build if needed, print nothing on stdout
#   bash scripts/build-libzmq.sh --prefix   build if needed, then print the install prefix (include/zmq.h, lib/libzmq.a)
# Cached under ${ZLOG_CACHE:-~/.cache/zlog}/libzmq/<key>, where the key hashes the pinned sources, the patch and this
# script, so a changed input builds anew and an unchanged one returns at once. No stdin; safe to run concurrently
# (a lock per key; the result appears by rename). Installs its build tools (autoconf, automake, libtool, g++, make,
# libsodium-dev, pkg-config) with apt-get only when missing.
set -euo pipefail
self=$(readlink -f "$0")
cd "$(dirname "$self")/.."
root=$PWD

# The pinned sources: http://deb.debian.org/debian/pool/main/z/zeromq3/ (bookworm's zeromq3 4.3.4-6).
base_url=http://deb.debian.org/debian/pool/main/z/zeromq3
orig=zeromq3_4.3.4.orig.tar.gz
orig_sha256=0ff5a531c9ffaf0dfdc7dc78d13d1383088f454896d252934c429b2554d10559
debian=zeromq3_4.3.4-6.debian.tar.xz
debian_sha256=fbb0dcb4ffbf483d416d9af722db74ad4edd7004625ce10381e8cd3a71b6cd58
# zlog's patches, applied in name order after Debian's (each file's header says what it changes and why).
patch_files=(native/libzmq/*.patch)

# Debian's configure flags (debian/rules: --with-libsodium for CURVE, --disable-Werror) minus the transports zlog
# does not use (pgm, norm, gssapi), plus a static, position-independent library for linking into the addon.
# Draft APIs stay off as in Debian's build (no .git in a release tree).
configure_flags=(--with-libsodium --disable-Werror --enable-drafts=no --disable-libbsd --disable-perf --disable-curve-keygen
  --enable-static --disable-shared --with-pic --without-docs)

cache=${ZLOG_CACHE:-$HOME/.cache/zlog}
key=$(cat <(echo "$orig_sha256 $debian_sha256 ${configure_flags[*]}") "${patch_files[@]}" "$self" | sha256sum | cut -c1-16)
prefix=$cache/libzmq/$key

log() { echo "build-libzmq: $*" >&2; }

need_pkgs=()
for p in autoconf automake libtool g++ make pkg-config libsodium-dev curl ca-certificates xz-utils patch; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$p")
done

if [ ! -f "$prefix/lib/libzmq.a" ]; then
  if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing ${need_pkgs[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  fi
  mkdir -p "$cache/src" "$cache/libzmq"
  exec 9>"$cache/libzmq/$key.lock"
  flock 9
  if [ ! -f "$prefix/lib/libzmq.a" ]; then
    for f in "$orig:$orig_sha256" "$debian:$debian_sha256"; do
      name=${f%%:*} sum=${f##*:}
      if [ ! -f "$cache/src/$name" ] || ! echo "$sum  $cache/src/$name" | sha256sum -c --quiet - 2>/dev/null; then
        log "downloading $base_url/$name"
        curl -fsSL --retry 3 --max-time 300 -o "$cache/src/$name.part" "$base_url/$name"
        echo "$sum  $cache/src/$name.part" | sha256sum -c --quiet - || { log "$name: sha256 is not $sum"; exit 1; }
        mv "$cache/src/$name.part" "$cache/src/$name"
      fi
    done
    work=$(mktemp -d "$cache/libzmq/build.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    tar -xzf "$cache/src/$orig" -C "$work"
    tar -xJf "$cache/src/$debian" -C "$work"
    src=$work/libzmq-4.3.4
    while read -r p; do
      case "$p" in ''|'#'*) continue ;; esac
      patch -d "$src" -p1 -s --no-backup-if-mismatch <"$work/debian/patches/$p"
    done <"$work/debian/patches/series"
    for p in "${patch_files[@]}"; do patch -d "$src" -p1 -s --no-backup-if-mismatch <"$root/$p"; done
    log "building libzmq 4.3.4 (Debian 4.3.4-6 + zlog patch) into $prefix"
    # Debian's hardening flags when dpkg-buildflags is there (it is on Debian and in the node:bookworm images).
    if command -v dpkg-buildflags >/dev/null; then
      export CFLAGS="$(dpkg-buildflags --get CFLAGS)" CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS)"
      export CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
    fi
    (
      cd "$src"
      autoreconf -fi >"$work/autoreconf.log" 2>&1 || { tail -30 "$work/autoreconf.log" >&2; exit 1; }
      ./configure "${configure_flags[@]}" >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; }
      grep -q '^#define ZMQ_USE_LIBSODIUM 1' src/platform.hpp || { log "configure did not take libsodium (CURVE)"; exit 1; }
      make -j"$(nproc)" src/libzmq.la >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
    )
    mkdir -p "$work/out/lib" "$work/out/include"
    cp "$src/src/.libs/libzmq.a" "$work/out/lib/"
    # Debian's flags include -g; the addon would carry libzmq's debug information (megabytes) into the image.
    strip --strip-debug "$work/out/lib/libzmq.a"
    cp "$src/include/zmq.h" "$src/include/zmq_utils.h" "$work/out/include/"
    rm -rf "$prefix"
    mv "$work/out" "$prefix"
    log "done"
  fi
fi
if [ "${1:-}" = "--prefix" ]; then echo "$prefix"; fi
