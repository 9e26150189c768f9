package api_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

func TestAPIWithoutGroupsAnswersUnavailable(t *testing.T) {
	h := api.NewHandler(api.Backend{})
	socket := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	_, err = api.NewClient(socket).Groups(context.Background())
	if !errors.Is(err, errdefs.ErrUnavailable) {
		t.Fatalf("groups without a service: %v", err)
	}
}
