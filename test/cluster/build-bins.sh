#!/usr/bin/env bash
# Builds the local cluster's binaries from upstream Go sources into a per-user cache keyed by version,
# only what is missing: the control plane, the node (kubelet, kube-proxy and the sandbox "pause" image,
# see docs/control-plane.md#the-node), kwok and helm. See docs/control-plane.md.
#
#   bash test/cluster/build-bins.sh           build what is missing
#   bash test/cluster/build-bins.sh --print   print the cache directory and exit
#
# Cache layout: $ZLOG_BIN_CACHE/<name>-<version>/<binary>; ZLOG_BIN_CACHE defaults to
# ${XDG_CACHE_HOME:-$HOME/.cache}/zlog/bins. GOMODCACHE and GOCACHE stay at Go's per-user defaults so
# that a fresh clone on the same machine (CI) reuses them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${ZLOG_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zlog/bins}"

if [[ "${1:-}" == "--print" ]]; then
  echo "$cache"
  exit 0
fi

start=$(date +%s)
log() { printf '[build-bins %s +%ss] %s\n' "$(date -u +%H:%M:%S)" "$(( $(date +%s) - start ))" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

# name|version|module dir|binary|package
targets=(
  "etcd|$ETCD_VERSION|etcd|etcd|."
  "kubernetes|$KUBERNETES_VERSION|kubernetes|kube-apiserver|k8s.io/kubernetes/cmd/kube-apiserver"
  "kubernetes|$KUBERNETES_VERSION|kubernetes|kube-controller-manager|k8s.io/kubernetes/cmd/kube-controller-manager"
  "kubernetes|$KUBERNETES_VERSION|kubernetes|kube-scheduler|k8s.io/kubernetes/cmd/kube-scheduler"
  "kubernetes|$KUBERNETES_VERSION|kubernetes|kubectl|k8s.io/kubernetes/cmd/kubectl"
  "kubernetes|$KUBERNETES_VERSION|kubernetes|kubelet|k8s.io/kubernetes/cmd/kubelet"
  "kubernetes|$KUBERNETES_VERSION|kubernetes|kube-proxy|k8s.io/kubernetes/cmd/kube-proxy"
  # The pod sandbox image, from the same module's build/pause/linux/pause.c (no registry to pull it from).
  "pause|$PAUSE_VERSION-k8s-$KUBERNETES_VERSION|kubernetes|pause.tar|@pause"
  # Cluster DNS for the real node's pods: CoreDNS with only the plugins go/coredns/main.go names.
  "coredns|$COREDNS_VERSION|coredns|coredns|."
  "kwok|$KWOK_VERSION|kwok|kwok|sigs.k8s.io/kwok/cmd/kwok"
  "kwok|$KWOK_VERSION|kwok|stages.yaml|@stages"
  # helm's offline default Kubernetes version is baked in at build time, so its cache key names ours too.
  "helm|$HELM_VERSION-k8s-$KUBERNETES_VERSION|helm|helm|helm.sh/helm/v3/cmd/helm"
)

# --- VictoriaLogs: the log store the elasticsearch and loki sinks are tested against (docs/sinks.md). One
# binary plays every role: single node, vlstorage (-storageDataPath) and vlinsert/vlselect (-storageNode).
targets+=(
  "victorialogs|$VICTORIALOGS_VERSION|victorialogs|victoria-logs|github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs"
)

missing=()
for t in "${targets[@]}"; do
  IFS='|' read -r name version _ bin _ <<<"$t"
  [[ -e "$cache/$name-$version/$bin" ]] || missing+=("$t")
done
if (( ${#missing[@]} == 0 )); then
  log "all binaries present in $cache"
  exit 0
fi

command -v go >/dev/null || die "go is not on PATH; install Go >= 1.26 (what test/cluster/go/*/go.mod require; see docs/control-plane.md)"
mkdir -p "$cache"

# Two builds at once (parallel make targets, two checkouts) would both spend half an hour; the second
# waits for the first and then finds its binaries present.
exec 9>"$cache/.lock"
if ! flock -n 9; then
  log "another build holds $cache/.lock; waiting for it"
  flock 9
fi

# The module's go.mod is what is built; versions.env is what bins.ts looks for. Refuse to file a binary
# under a version it was not built from.
check_pin() {
  local dir="$1" module="$2" version="$3"
  grep -Eq "^[[:space:]]*(require[[:space:]]+)?${module//./\\.} ${version//./\\.}( |$)" "$here/go/$dir/go.mod" \
    || die "test/cluster/go/$dir/go.mod does not require $module $version (versions.env says so): update one of them"
}
check_pin etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_pin kubernetes k8s.io/kubernetes "$KUBERNETES_VERSION"
check_pin kwok sigs.k8s.io/kwok "$KWOK_VERSION"
check_pin coredns github.com/coredns/coredns "$COREDNS_VERSION"
check_pin helm helm.sh/helm/v3 "$HELM_VERSION"
check_pin victorialogs github.com/VictoriaMetrics/VictoriaLogs "$VICTORIALOGS_VERSION"

ldflags_for() {
  local name="$1" version="$2"
  case "$name" in
    kubernetes)
      # Without these the binaries report v0.0.0-master, which helm's kubeVersion checks reject.
      local v="${version#v}" major minor
      major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
      local f=""
      for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        f+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
        f+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=module-$version"
        f+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
      done
      echo "$f" ;;
    helm)
      # helm's own default is only the minor ("v3.20"). Offline (helm template/lint, install --dry-run=client)
      # helm assumes Kubernetes v1.20 unless told at build time; make it the version we run.
      local kv="${KUBERNETES_VERSION#v}" kmajor kminor f=""
      kmajor="${kv%%.*}"; kminor="${kv#*.}"; kminor="${kminor%%.*}"
      f+=" -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
      for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
        f+=" -X $pkg.k8sVersionMajor=$kmajor -X $pkg.k8sVersionMinor=$kminor"
      done
      echo "$f" ;;
    victorialogs)
      # Upstream's Makefile stamps this; without it `-version` prints nothing.
      echo " -X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-$version" ;;
    *) echo "" ;;
  esac
}

# A heartbeat so a developer (or a CI log) sees the build is alive during the long link steps.
current="starting"
heartbeat_pid=""
stop_heartbeat() { [[ -n "$heartbeat_pid" ]] && kill "$heartbeat_pid" 2>/dev/null; heartbeat_pid=""; }
trap stop_heartbeat EXIT
trap 'exit 130' INT TERM

# Standalone kwok does nothing without Stage objects. kwokctl's defaults ship inside the module as YAML:
# node initialise + lease heartbeat, and pod ready/complete/delete ("fast" profile).
write_kwok_stages() {
  local out="$1" dir
  dir=$(cd "$here/go/kwok" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n "$dir" && -d "$dir/kustomize/stage" ]] || die "cannot find the sigs.k8s.io/kwok@$KWOK_VERSION module directory"
  local f first=1
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [[ -f "$dir/kustomize/stage/$f" ]] || die "kwok $KWOK_VERSION has no kustomize/stage/$f"
    (( first )) || echo '---'
    first=0
    cat "$dir/kustomize/stage/$f"
  done > "$out"
}

# The pause container: pause.c from k8s.io/kubernetes's build/pause, linked statically (the image has no libc),
# packed as a one-layer docker-archive that `ctr images import` reads: manifest.json, the config JSON named by
# its sha256 with rootfs.diff_ids, and the layer tar (format: github.com/moby/moby image/spec/v1.2.md).
write_pause_image() {
  local out="$1" dir work diff cfg
  command -v gcc >/dev/null || die "gcc is needed to build the pause image (apt-get install gcc libc6-dev)"
  dir=$(cd "$here/go/kubernetes" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -f "$dir/build/pause/linux/pause.c" ]] || die "k8s.io/kubernetes@$KUBERNETES_VERSION has no build/pause/linux/pause.c"
  work=$(mktemp -d)
  mkdir -p "$work/root" "$work/img"
  gcc -Os -static -Wall -Werror -DVERSION="v$PAUSE_VERSION" -o "$work/root/pause" "$dir/build/pause/linux/pause.c"
  strip "$work/root/pause"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$work/root" -cf "$work/layer.tar" pause
  diff=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mkdir -p "$work/img/$diff"
  mv "$work/layer.tar" "$work/img/$diff/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diff" > "$work/img/config.json"
  cfg=$(sha256sum "$work/img/config.json" | cut -d' ' -f1)
  mv "$work/img/config.json" "$work/img/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfg" "$PAUSE_IMAGE" "$diff" > "$work/img/manifest.json"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$work/img" -cf "$out" manifest.json "$cfg.json" "$diff"
  rm -rf "$work"
}

log "building ${#missing[@]} missing files into $cache (all of them from cold: about 30 minutes on 2 cores, of which the kubelet and kube-proxy are about 13)"
i=0
for t in "${missing[@]}"; do
  i=$((i + 1))
  IFS='|' read -r name version dir bin pkg <<<"$t"
  out="$cache/$name-$version"
  mkdir -p "$out"
  current="$bin $version ($i/${#missing[@]})"
  case "$pkg" in
    @stages) log "$current: copying kwok's default Stages from its module" ;;
    @pause) log "$current: gcc -static pause.c, packed as an image" ;;
    *) log "$current: go build $pkg" ;;
  esac
  stop_heartbeat
  ( while sleep 30; do log "$current: still building"; done ) &
  heartbeat_pid=$!
  t0=$(date +%s)
  # Built to a temporary name and renamed so an interrupted build never leaves a truncated binary
  # that the presence check above would take for a good one.
  tmp="$out/.$bin.tmp.$$"
  if [[ "$pkg" == "@stages" ]]; then
    write_kwok_stages "$tmp"
  elif [[ "$pkg" == "@pause" ]]; then
    write_pause_image "$tmp"
  elif ! (cd "$here/go/$dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath \
          -ldflags "-s -w$(ldflags_for "$name" "$version")" -o "$tmp" "$pkg"); then
    rm -f "$tmp"
    die "$bin $version failed to build (module test/cluster/go/$dir); see the go output above"
  fi
  mv -f "$tmp" "$out/$bin"
  stop_heartbeat
  log "$current: done in $(( $(date +%s) - t0 ))s, $(du -h "$out/$bin" | cut -f1)"
done
log "all binaries built into $cache"
