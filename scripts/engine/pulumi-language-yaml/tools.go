//go:build tools

// Package tools pins the Pulumi YAML language host's main package so `go mod tidy` keeps every
// dependency it needs.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
