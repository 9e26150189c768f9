// Package app is the cattle command line: it parses flags, calls the API
// client and renders output. It holds no logic of the cloud itself.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/cattle-dev/cattle/images/demoapp"
)

// Streams are the standard streams a command reads and writes.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Main runs cattle with args and returns the process exit code.
func Main(args []string, s Streams) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 && args[0] == "demo-app" {
		if err := demoapp.Run(ctx, args[1:], s.Out, s.Err); err != nil {
			fmt.Fprintln(s.Err, "cattle demo-app:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(s.Err, errors.New("cattle: not implemented yet"))
	return 2
}
