// Package demoapp is the workload of the built-in demo image: a small HTTP
// server that says which version and instance answered, and whose faults
// (latency, errors, failing health check, crash) can be turned on from the
// environment at start or through admin endpoints at run time.
//
// It writes nothing to its filesystem, so drift detection sees its container
// in sync, and logs one line per start and per fault change, never per
// request.
package demoapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
)

// Run serves the demo app until ctx ends (nil), a crash is asked for or
// a fault makes it exit (an error, so the process exits non-zero).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(args, os.Getenv, stdout)
	if errors.Is(err, errHelpShown) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg, err := configFromEnv(os.Getenv, os.Hostname)
	if err != nil {
		return err
	}
	if opts.selfTest {
		return selfTest(ctx, cfg, stdout)
	}
	logger := log.New(stdout, "demo-app: ", log.LstdFlags|log.LUTC)
	ln, err := net.Listen("tcp", opts.listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", opts.listen, err)
	}
	return serve(ctx, ln, cfg, logger)
}
