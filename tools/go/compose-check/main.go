// Command compose-check loads Compose files with compose-go, the loader Docker Compose itself
// uses: it validates them against the Compose Specification schema and resolves them, then
// prints the resolved project as JSON. No Docker engine is needed.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check FILE...")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(os.Args[1:], cli.WithOsEnv, cli.WithName("compose-check"), cli.WithInterpolation(true))
	if err == nil {
		var project any
		project, err = options.LoadProject(context.Background())
		if err == nil {
			err = json.NewEncoder(os.Stdout).Encode(project)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
