package bake_test

import (
	"archive/tar"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/images/imagestest"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

func newBaker(t *testing.T) (*bake.Baker, *sandboxtest.Fake) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"), store.ForSandbox("unit"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rt := sandboxtest.New()
	cat, reg := imagestest.NewCatalog(t, db, rt, "unit")
	return &bake.Baker{Runtime: rt, Sandbox: "unit", RegistryAddr: reg.Addr(), Registry: reg, Catalog: cat, DB: db}, rt
}

func writeTar(t *testing.T, names ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "root.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o755, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// Prepare refuses what cannot bake before any container exists.
func TestPrepareRefusesBeforeAnythingRuns(t *testing.T) {
	shell := []bake.Provisioner{{Shell: &bake.Shell{Inline: []string{"true"}}}}
	noShellDir := t.TempDir()
	cases := []struct {
		name string
		spec bake.Spec
		want error
	}{
		{"missing base", bake.Spec{Name: "web", From: bake.From{Image: "nope:1"}}, errdefs.ErrNotFound},
		{"shell on builtin/demo", bake.Spec{Name: "web", From: bake.From{Image: images.DemoImageName}, Provisioners: shell}, errdefs.ErrInvalid},
		{"shell test on builtin/demo", bake.Spec{Name: "web", From: bake.From{Image: images.DemoImageName},
			Test: []bake.Command{{Shell: &bake.Shell{Inline: []string{"true"}}}}}, errdefs.ErrInvalid},
		{"shell on a rootfs folder without bin/sh", bake.Spec{Name: "web", From: bake.From{Rootfs: noShellDir}, Provisioners: shell}, errdefs.ErrInvalid},
		{"shell on a rootfs tar without bin/sh", bake.Spec{Name: "web", From: bake.From{Rootfs: writeTar(t, "bin/busybox")}, Provisioners: shell}, errdefs.ErrInvalid},
		{"missing rootfs", bake.Spec{Name: "web", From: bake.From{Rootfs: "/nonexistent/root"}}, errdefs.ErrNotFound},
		{"missing script", bake.Spec{Name: "web", From: bake.From{Rootfs: writeTar(t, "./bin/sh")},
			Provisioners: []bake.Provisioner{{Shell: &bake.Shell{Script: "/nonexistent/setup.sh"}}}}, errdefs.ErrNotFound},
		{"missing upload", bake.Spec{Name: "web", From: bake.From{Image: images.DemoImageName},
			Provisioners: []bake.Provisioner{{File: &bake.FileUpload{Source: "/nonexistent/motd", Destination: "/etc/motd"}}}}, errdefs.ErrNotFound},
		{"relative path", bake.Spec{Name: "web", From: bake.From{Rootfs: "root"}}, errdefs.ErrInvalid},
		{"bad spec", bake.Spec{Name: "web", From: bake.From{Image: images.DemoImageName}, Timeout: "soon"}, errdefs.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, rt := newBaker(t)
			_, err := b.Prepare(context.Background(), c.spec)
			if !errors.Is(err, c.want) {
				t.Fatalf("Prepare: %v, want %v", err, c.want)
			}
			if n := rt.Calls["Create"]; n != 0 {
				t.Errorf("%d containers created before the refusal", n)
			}
		})
	}
}

func TestPrepareAcceptsAShellRootfs(t *testing.T) {
	b, _ := newBaker(t)
	root := writeTar(t, "./bin/sh")
	spec := bake.Spec{Name: "web", From: bake.From{Rootfs: root},
		Provisioners: []bake.Provisioner{{Shell: &bake.Shell{Inline: []string{"true"}}}}}
	if _, err := b.Prepare(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
}
