# zlog: see README.md. Every target installs what it needs, idempotently.
SHELL := /bin/bash
NODE_STAMP := node_modules/.stamp
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: all deps system-deps native build run test test-unit test-cluster test-bins dev-cluster bench images generate docs clean lint

all: build

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

deps: $(NODE_STAMP)

system-deps:
	bash scripts/install-system-deps.sh

## native: the native receive addon (native/, C++ linking the libzmq scripts/build-libzmq.sh builds from Debian's source, cached)
native: deps
	bash scripts/build-native.sh

build: deps native
	tsc -p tsconfig.json
	node scripts/prune-dist.mjs

## run: the collector on its embedded defaults (ZeroMQ on 127.0.0.1, files under ./data, metrics on :9090)
run: build
	node dist/collector/cli/main.js start

## test: everything the tests need, then every test (unit next to the code, process-level under test/)
# images: the real node's pods run the collector and operator images built here (imported, never pulled).
test: deps system-deps test-bins build images
	node scripts/run-tests.mjs

test-unit: build
	node scripts/run-tests.mjs --unit

test-cluster: build test-bins images
	node scripts/run-tests.mjs test/cluster

## test-bins: etcd, kube-apiserver, controller-manager, scheduler, kubectl, kubelet, kube-proxy, CoreDNS, the pause
## image, kwok, helm from upstream source
test-bins:
	bash test/cluster/build-bins.sh

## dev-cluster: a local cluster with one real node running the images `make images` built, until Ctrl-C
dev-cluster: build system-deps test-bins images
	node dist/test/cluster/dev-cluster.js

bench: deps system-deps build
	node dist/bench/run.js

images: system-deps
	bash scripts/build-images.sh

## generate: every generated file (CRD, RBAC, chart rbac.yaml, docs/operator-api.md, docs/configuration.md)
generate: build
	node dist/operator/generate.js
	node scripts/gen-docs.mjs

## docs: regenerate the configuration reference in docs/configuration.md from the schema
docs: build
	node scripts/gen-docs.mjs

clean:
	rm -rf dist native/build
