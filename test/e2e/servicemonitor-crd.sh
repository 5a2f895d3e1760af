#!/usr/bin/env bash
# Prints the path of prometheus-operator's ServiceMonitor CRD, taken from the project's own Go module source
# (example/prometheus-operator-crd/ in github.com/prometheus-operator/prometheus-operator). Cached and idempotent:
# the module lands in Go's module cache once, the file is copied into the per-user zlog cache.
set -euo pipefail
version="${ZLOG_PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zlog/crds"
out="$cache/monitoring.coreos.com_servicemonitors-$version.yaml"
if [[ -s "$out" ]]; then echo "$out"; exit 0; fi
command -v go >/dev/null || { echo "servicemonitor-crd: go is not on PATH" >&2; exit 2; }
mkdir -p "$cache"
# GOFLAGS=-mod=mod: outside any module; -json prints Dir, the extracted module source.
dir="$(cd "$cache" && GOFLAGS=-mod=mod go mod download -json "github.com/prometheus-operator/prometheus-operator@$version" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
src="$dir/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
[[ -s "$src" ]] || { echo "servicemonitor-crd: $src not found in the module" >&2; exit 1; }
cp "$src" "$out.tmp.$$" && mv -f "$out.tmp.$$" "$out"
echo "$out"
