//go:build tools

// Package tools pins the pulumi CLI main package so `go mod tidy` keeps
// every dependency it needs.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
