package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/cattle-dev/cattle/sandbox"
)

// An engine that does not answer is reported as errdefs.ErrUnavailable with
// the address and the fix, by every call. No engine is needed for this.
func TestUnreachableEngineIsUnavailable(t *testing.T) {
	const addr = "unix:///nonexistent.sock"
	r, err := New(WithHost(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ctx := context.Background()

	_, err = r.Info(ctx)
	if !errors.Is(err, cerrdefs.ErrUnavailable) {
		t.Fatalf("Info: err = %v, want cerrdefs.ErrUnavailable", err)
	}
	if msg := err.Error(); !strings.Contains(msg, addr) || !strings.Contains(msg, "DOCKER_HOST") {
		t.Fatalf("Info: message %q should name %s and the fix", msg, addr)
	}

	_, err = r.Inspect(ctx, "abc")
	if !errors.Is(err, cerrdefs.ErrUnavailable) || errors.Is(err, cerrdefs.ErrNotFound) {
		t.Fatalf("Inspect: err = %v, want cerrdefs.ErrUnavailable only", err)
	}
	if _, err := r.Events(ctx, map[string]string{sandbox.LabelSandbox: "x"}); !errors.Is(err, cerrdefs.ErrUnavailable) {
		t.Fatalf("Events: err = %v, want cerrdefs.ErrUnavailable", err)
	}
	if err := r.Remove(ctx, "abc", true); !errors.Is(err, cerrdefs.ErrUnavailable) {
		t.Fatalf("Remove: err = %v, want cerrdefs.ErrUnavailable (not silently ignored)", err)
	}
}

func TestInvalidHostIsUnavailable(t *testing.T) {
	_, err := New(WithHost("not a host://"))
	if !errors.Is(err, cerrdefs.ErrUnavailable) || !strings.Contains(err.Error(), "DOCKER_HOST") {
		t.Fatalf("err = %v, want cerrdefs.ErrUnavailable naming DOCKER_HOST", err)
	}
}

func TestDockerHostFromTheEnvironmentIsHonoured(t *testing.T) {
	const addr = "unix:///nonexistent-from-env.sock"
	t.Setenv("DOCKER_HOST", addr)
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	_, err = r.Info(context.Background())
	if !errors.Is(err, cerrdefs.ErrUnavailable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Info: err = %v, want cerrdefs.ErrUnavailable naming %s", err, addr)
	}
}

// An engine that goes away under a request (the connection drops, or the
// socket is gone when the client dials again) is unavailable too.
func TestLostConnectionIsUnavailable(t *testing.T) {
	r, err := New(WithHost("unix:///nonexistent.sock"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	for _, cause := range []error{
		&url.Error{Op: "Post", URL: "http://docker/containers/create", Err: io.EOF},
		fmt.Errorf("reading: %w", io.ErrUnexpectedEOF),
		&net.OpError{Op: "read", Net: "unix", Err: syscall.ECONNRESET},
	} {
		if err := r.wrap("create container", cause); !errors.Is(err, cerrdefs.ErrUnavailable) {
			t.Errorf("wrap(%v) = %v, want cerrdefs.ErrUnavailable", cause, err)
		}
	}
	if err := r.wrap("create container", errors.New("no such image")); errors.Is(err, cerrdefs.ErrUnavailable) {
		t.Errorf("an engine's refusal is not unavailability: %v", err)
	}
}
