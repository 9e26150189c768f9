package docker

import (
	"errors"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/cattle-dev/cattle/sandbox"
)

// TestIntegrationStats reads the CPU use of a container that spins
// on half a CPU, then of the same container stopped, then of one that is gone.
func TestIntegrationStats(t *testing.T) {
	f := newFixture(t)
	image := f.busyboxImage(t)
	id := f.run(t, sandbox.ContainerSpec{
		Image:    image,
		Cmd:      []string{"sh", "-c", "while :; do :; done"},
		NanoCPUs: 500_000_000,
	})
	f.waitState(t, id, sandbox.StateRunning)

	st, err := f.rt.Stats(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("spinning on half a CPU: %+v", st)
	// The quota holds it near 50; the bounds leave room for a busy host.
	if st.CPUPercent < 10 || st.CPUPercent > 60 {
		t.Errorf("CPU %.1f%%, want about 50%% (a spin loop held to half a CPU)", st.CPUPercent)
	}

	if err := f.rt.Stop(f.ctx, id, time.Second); err != nil {
		t.Fatal(err)
	}
	if st, err := f.rt.Stats(f.ctx, id); err != nil || st.CPUPercent != 0 {
		t.Errorf("stopped: %+v, %v; want no CPU and no error", st, err)
	}
	if err := f.rt.Remove(f.ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rt.Stats(f.ctx, id); !errors.Is(err, cerrdefs.ErrNotFound) {
		t.Errorf("removed: %v, want ErrNotFound", err)
	}
}
