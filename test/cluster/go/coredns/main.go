// CoreDNS with only the plugins the test cluster's node needs: cluster DNS (kubernetes) for pods, with
// health, readiness, cache, errors and log. No forward plugin: names outside the cluster are not resolved,
// since nothing may leave the machine. The plugin order is CoreDNS's own (core/dnsserver/zdirectives.go).
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func init() {
	dnsserver.Directives = []string{"errors", "log", "health", "ready", "cache", "kubernetes"}
}

func main() {
	coremain.Run()
}
