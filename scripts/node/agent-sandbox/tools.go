//go:build tools

// Package tools pins what the node builds from sigs.k8s.io/agent-sandbox v1.0.3.
package tools

import (
	_ "sigs.k8s.io/agent-sandbox/cmd/agent-sandbox-controller"
	_ "sigs.k8s.io/agent-sandbox/sandbox-router/cmd"
)
