//go:build tools

// Package tools pins what the node builds from github.com/cloudnativelabs/kube-router/v2 v2.1.0.
package tools

import (
	_ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
)
