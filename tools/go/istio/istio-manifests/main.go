// Command istio-manifests prints what istiod needs in the cluster before it starts: Istio's
// CRDs and the `istio` and `istio-sidecar-injector` ConfigMaps of istio-system, rendered from
// the Istio module itself for the ambient profile (what `istioctl manifest generate
// --set profile=ambient` renders), as multi-document YAML on stdout.
package main

import (
	"fmt"
	"os"

	"istio.io/istio/operator/pkg/render"
)

// wanted says whether a rendered object is one istiod reads at start-up.
func wanted(kind, namespace, name string) bool {
	if kind == "CustomResourceDefinition" {
		return true
	}
	return kind == "ConfigMap" && namespace == "istio-system" && (name == "istio" || name == "istio-sidecar-injector")
}

func main() {
	sets, _, err := render.GenerateManifest(nil, []string{"profile=ambient"}, false, nil, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rendering the ambient profile: %v\n", err)
		os.Exit(1)
	}
	for _, set := range sets {
		for _, m := range set.Manifests {
			if wanted(m.GetKind(), m.GetNamespace(), m.GetName()) {
				fmt.Printf("---\n%s\n", m.Content)
			}
		}
	}
}
