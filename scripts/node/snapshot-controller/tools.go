//go:build tools

// Package tools pins what the node builds from github.com/kubernetes-csi/external-snapshotter/v8 v8.7.0.
package tools

import (
	_ "github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller"
)
