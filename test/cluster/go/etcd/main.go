// Command etcd is the upstream etcd server: the module go.etcd.io/etcd/server/v3 cannot be
// `go install`ed (its go.mod has replace directives), but its etcdmain package can be called.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
