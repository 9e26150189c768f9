package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox/docker"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

// An error from any layer reaches the client with the status of its class,
// the daemon's message, and the class again (errors.Is), with no mapping
// written by hand on either side.
func TestErrorsKeepTheirClassAndMessageAcrossTheAPI(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	missingRecord := db.View(func(tx *store.Tx) error {
		_, err := tx.Get("group", "web", nil)
		return err
	})
	_, missingContainer := sandboxtest.New().Inspect(context.Background(), "abc")
	engine, err := docker.New(docker.WithHost("unix:///nonexistent-cattle.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	_, engineDown := engine.Info(context.Background())

	for _, c := range []struct {
		name   string
		err    error
		status int
		code   string
		class  error
	}{
		{"invalid request", errdefs.Invalid("min %d is negative", -1), 400, "InvalidParameter", errdefs.ErrInvalid},
		{"missing record", missingRecord, 404, "NotFound", errdefs.ErrNotFound},
		{"missing container", fmt.Errorf("logs: %w", missingContainer), 404, "NotFound", errdefs.ErrNotFound},
		{"lost race", fmt.Errorf("saving group web: %w", store.ErrConflict), 409, "Conflict", errdefs.ErrConflict},
		{"refused", errdefs.Conflict("group web is in use"), 409, "Conflict", errdefs.ErrConflict},
		{"engine unreachable", engineDown, 503, "EngineUnavailable", errdefs.ErrUnavailable},
		{"anything else", errors.New("disk on fire"), 500, "InternalError", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeError(w, c.err) }))
			defer srv.Close()
			_, got := NewHTTPClient(strings.TrimPrefix(srv.URL, "http://"), "").Status(context.Background())
			var apiErr *Error
			if !errors.As(got, &apiErr) || apiErr.Status != c.status || apiErr.Code != c.code {
				t.Fatalf("%v answered %v (%+v), want %d %s", c.err, got, apiErr, c.status, c.code)
			}
			if got.Error() != c.err.Error() {
				t.Errorf("client message %q, want the daemon's %q", got, c.err)
			}
			if c.class != nil && !errors.Is(got, c.class) {
				t.Errorf("client error %v does not match its class %v", got, c.class)
			}
		})
	}
	if !strings.Contains(engineDown.Error(), "DOCKER_HOST") {
		t.Errorf("the engine's error should say how to reach it: %v", engineDown)
	}
}
