//go:build tools

// Package tools pins gVisor: runsc and its containerd shim (patched at build time, see build.sh).
package tools

import (
	_ "gvisor.dev/gvisor/runsc"
	_ "gvisor.dev/gvisor/shim"
)
