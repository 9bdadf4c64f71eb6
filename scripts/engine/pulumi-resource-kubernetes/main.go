// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider.
//
// The upstream main package embeds files that `go generate` writes and that
// are not part of the published module, so it cannot be built from the
// module cache. This wrapper embeds the same data; scripts/engine/build.sh
// copies this directory to a scratch directory and writes the two
// *-embed.json files next to it (see gen/main.go) before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
