// Command pilot-discovery is istiod, Istio's control plane, built from the Go module proxy
// because no registry ships an istiod binary for this machine. Same as Istio's
// pilot/cmd/pilot-discovery/main.go, without the cgroup memory-limit import (the stack runs
// it as a plain process).
package main

import (
	"os"

	"istio.io/istio/pilot/cmd/pilot-discovery/app"
	"istio.io/istio/pkg/log"
)

func main() {
	log.EnableKlogWithCobra()
	rootCmd := app.NewRootCommand()
	if err := rootCmd.Execute(); err != nil {
		log.Error(err)
		os.Exit(-1)
	}
}
