//go:build tools

// Package tools pins what the node builds from github.com/rancher/local-path-provisioner v0.0.30.
package tools

import (
	_ "github.com/rancher/local-path-provisioner"
)
