package demoapp

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"
)

// shutdownGrace is how long in-flight requests get when the app is asked
// to stop; docker stop should not wait for the kill.
const shutdownGrace = 500 * time.Millisecond

// serve runs the app on ln until ctx ends (nil) or a crash (an error).
func serve(ctx context.Context, ln net.Listener, cfg config, logger *log.Logger) error {
	crashed := make(chan string, 1)
	a := newApp(cfg, logger, func(reason string) {
		select {
		case crashed <- reason:
		default: // a crash is already on its way
		}
	})
	srv := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	crashAfter := "never"
	var crashTimer <-chan time.Time
	if cfg.crashAfter > 0 {
		t := time.NewTimer(cfg.crashAfter)
		defer t.Stop()
		crashTimer = t.C
		crashAfter = cfg.crashAfter.String()
	}
	logger.Printf("version %s listening on %s (instance %q, hostname %q, zone %q); faults: %s crash_after=%s",
		cfg.version, ln.Addr(), cfg.instanceID, cfg.hostname, cfg.zone, cfg.faults, crashAfter)

	select {
	case <-ctx.Done():
		logger.Printf("stopping")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close() // requests still running (a long latency) are cut
		}
		<-served
		return nil
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case reason := <-crashed:
		srv.Close()
		logger.Printf("crashing: %s", reason)
		return errors.New("crashed on purpose: " + reason)
	case <-crashTimer:
		srv.Close()
		logger.Printf("crashing: DEMO_CRASH_AFTER=%s elapsed", cfg.crashAfter)
		return fmt.Errorf("crashed on purpose: DEMO_CRASH_AFTER=%s elapsed", cfg.crashAfter)
	}
}
