package demoapp

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// selfTestTimeout bounds the self-test's one request.
const selfTestTimeout = 10 * time.Second

// selfTest starts the app on a loopback port, checks GET /healthz answers
// 200 and stops it: a bake's test that the image can start at all.
func selfTest(ctx context.Context, cfg config, stdout io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("self-test: listening: %w", err)
	}
	cfg.crashAfter = 0 // a scheduled crash is not what is tested
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serve(sctx, ln, cfg, log.New(io.Discard, "", 0)) }()
	defer func() {
		cancel()
		<-served
	}()

	client := &http.Client{
		Timeout:   selfTestTimeout,
		Transport: &http.Transport{DisableKeepAlives: true}, // no proxy, no idle connection
	}
	url := "http://" + ln.Addr().String() + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("self-test: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("self-test: GET /healthz: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("self-test failed: GET /healthz answered %s", resp.Status)
	}
	fmt.Fprintf(stdout, "self-test ok: version %s answers GET /healthz with 200\n", cfg.version)
	return nil
}
