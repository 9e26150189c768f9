package docker

import (
	"errors"
	"slices"
	"testing"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/cattle-dev/cattle/sandbox"
)

// A file written through the archive upload needs no shell in the image,
// shows in the container's changes, and a directory is refused; inspect
// reports the config the container was made with, and a disconnected
// container loses its network and its published port.
func TestIntegrationPutFileConfigAndDisconnect(t *testing.T) {
	f := newFixture(t)
	img := f.busyboxImage(t)
	net := "cattle-test-" + f.name
	if err := f.rt.EnsureNetwork(f.ctx, net, f.labels); err != nil {
		t.Fatal(err)
	}
	id := f.run(t, sandbox.ContainerSpec{Image: img, Cmd: []string{"sleep", "3600"}, Env: []string{"A=1"}, Network: net,
		Port: 8080, Memory: 64 << 20, NanoCPUs: 5e8, PidsLimit: 64})
	c := f.waitState(t, id, sandbox.StateRunning)
	cfg := c.Config
	if !slices.Contains(cfg.Env, "A=1") || !slices.Equal(cfg.Cmd, []string{"sleep", "3600"}) || cfg.Port != 8080 ||
		cfg.Memory != 64<<20 || cfg.NanoCPUs != 5e8 || cfg.PidsLimit != 64 || !slices.Equal(cfg.Networks, []string{net}) {
		t.Fatalf("config %+v", cfg)
	}
	if err := f.rt.PutFile(f.ctx, id, "/etc/app/hotfix.conf", []byte("fixed=1\n")); err != nil {
		t.Fatal(err)
	}
	changes, err := f.rt.Changes(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(changes, sandbox.Change{Path: "/etc/app/hotfix.conf", Kind: sandbox.ChangeAdded}) {
		t.Fatalf("changes %+v lack the file written", changes)
	}
	res, err := f.rt.Exec(f.ctx, id, []string{"/bin/busybox", "cat", "/etc/app/hotfix.conf"})
	if err != nil || string(res.Output) != "fixed=1\n" {
		t.Fatalf("the file reads %q (%v)", res.Output, err)
	}
	if err := f.rt.PutFile(f.ctx, id, "/etc", []byte("x")); !errors.Is(err, cerrdefs.ErrInvalidArgument) {
		t.Fatalf("PutFile on a directory: %v, want invalid", err)
	}
	if err := f.rt.DisconnectNetwork(f.ctx, id, net); err != nil {
		t.Fatal(err)
	}
	c, err = f.rt.Inspect(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Config.Networks) != 0 || c.HostPort != 0 || c.Config.Port != 8080 {
		t.Fatalf("after the disconnect: networks %v, host port %d, port %d", c.Config.Networks, c.HostPort, c.Config.Port)
	}
}
