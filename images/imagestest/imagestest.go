// Package imagestest gives tests an image catalog over a real registry
// served on loopback: the fake engine (sandboxtest) pushes to and pulls
// from it over HTTP, as the real engine does.
package imagestest

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

// NewCatalog serves a registry stored in a temporary folder and returns a
// catalog over it that follows its push and delete events, with the
// built-in demo image seeded. Everything is closed when the test ends.
func NewCatalog(t testing.TB, db *store.DB, rt sandbox.Runtime, sandboxName string) (*images.Catalog, *registry.Registry) {
	t.Helper()
	dir := t.TempDir()
	var cat *images.Catalog
	reg, err := registry.New(context.Background(), registry.Config{Dir: filepath.Join(dir, "registry"), DB: db,
		OnEvent: func(e registry.Event) { cat.RegistryEvent(e) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	reg.SetAddr(strings.TrimPrefix(srv.URL, "http://"))
	bin := filepath.Join(dir, "cattle")
	if err := os.WriteFile(bin, []byte("not a real binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	cat = images.NewCatalog(db, rt, sandboxName, bin, reg)
	if err := cat.EnsureBuiltins(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cat, reg
}
