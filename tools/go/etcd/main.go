// Command etcd is the etcd server, built from the Go module proxy because no
// registry ships a current etcd binary for this machine.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
