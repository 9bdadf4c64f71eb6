//go:build tools

// Package tools pins what the node builds from github.com/coredns/coredns v1.15.0.
package tools

import (
	_ "github.com/coredns/coredns"
)
