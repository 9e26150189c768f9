// Package demoapp is the workload of the built-in demo image.
package demoapp

import (
	"context"
	"io"
)

// Run serves the demo app until ctx ends.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	<-ctx.Done()
	return nil
}
