package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
)

// fixture is one integration test's view of the engine: a runtime and a
// label value no other test run uses, so cleanup removes exactly its own.
type fixture struct {
	rt     *Runtime
	ctx    context.Context   // bounds the whole test; generous, not an assertion
	labels map[string]string // {sandbox.LabelSandbox: "test-<random>"}
	name   string            // the random value, for names and tags
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testutil.SkipIfShort(t)
	rt, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := rt.Info(ctx); err != nil {
		rt.Close()
		t.Fatalf("integration tests need a Docker engine: %v", err)
	}
	name := "test-" + randomHex(t)
	testCtx, cancelTest := context.WithTimeout(context.Background(), 5*time.Minute)
	f := &fixture{rt: rt, ctx: testCtx, labels: map[string]string{sandbox.LabelSandbox: name}, name: name}
	t.Cleanup(func() {
		cancelTest()
		f.removeEverything(t)
		rt.Close()
	})
	return f
}

func randomHex(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// removeEverything removes the containers, images and networks carrying
// the fixture's label, in that order, whatever the test left behind.
func (f *fixture) removeEverything(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := f.rt.List(ctx, f.labels)
	if err != nil {
		t.Errorf("cleanup: %v", err)
	}
	for _, c := range cs {
		if err := f.rt.Remove(ctx, c.ID, true); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	}
	imgs, err := f.rt.ListImages(ctx, f.labels)
	if err != nil {
		t.Errorf("cleanup: %v", err)
	}
	for _, img := range imgs {
		// An image removed with its child is already gone.
		if err := f.rt.RemoveImage(ctx, img.ID); err != nil && !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Errorf("cleanup: %v", err)
		}
	}
	if err := f.rt.RemoveNetworks(ctx, f.labels); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

// labelsWith returns the fixture's labels plus extra.
func (f *fixture) labelsWith(extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range f.labels {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// contextFile is one file of a build context.
type contextFile struct {
	name string
	mode int64
	body []byte
}

func tarContext(t *testing.T, files ...contextFile) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func dockerfile(text string) contextFile {
	return contextFile{name: "Dockerfile", mode: 0o644, body: []byte(text)}
}

func executable(t *testing.T, name, path string) contextFile {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return contextFile{name: name, mode: 0o755, body: body}
}

// cattleImage builds FROM scratch + the cattle binary, running the demo
// app, and returns its id.
func (f *fixture) cattleImage(t *testing.T) string {
	t.Helper()
	buildCtx := tarContext(t,
		dockerfile("FROM scratch\nCOPY cattle /cattle\nENTRYPOINT [\"/cattle\"]\nCMD [\"demo-app\"]\n"),
		executable(t, "cattle", testutil.CattleBinary(t)),
	)
	id, err := f.rt.BuildImage(f.ctx, buildCtx, "cattle-sandbox-test/cattle:"+f.name, f.labels)
	if err != nil {
		t.Fatalf("building the cattle test image: %v", err)
	}
	return id
}

const busyboxPath = "/bin/busybox"

// busyboxImage builds FROM scratch + a static busybox, so that exec, logs
// and file changes can be exercised with a real shell; it skips the test
// when this machine has no static busybox.
func (f *fixture) busyboxImage(t *testing.T) string {
	t.Helper()
	if err := checkStatic(busyboxPath); err != nil {
		t.Skipf("this test needs a static busybox at %s (Debian: apt-get install busybox-static): %v", busyboxPath, err)
	}
	buildCtx := tarContext(t,
		dockerfile("FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\"]\nCMD [\"sleep\", \"3600\"]\n"),
		executable(t, "busybox", busyboxPath),
	)
	id, err := f.rt.BuildImage(f.ctx, buildCtx, "cattle-sandbox-test/busybox:"+f.name, f.labels)
	if err != nil {
		t.Fatalf("building the busybox test image: %v", err)
	}
	return id
}

// checkStatic fails unless path is an executable that needs no dynamic
// loader: a scratch image has no libc.
func checkStatic(path string) error {
	bin, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer bin.Close()
	for _, p := range bin.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked", path)
		}
	}
	return nil
}

// run creates and starts a container from spec (labels added) and returns its id.
func (f *fixture) run(t *testing.T, spec sandbox.ContainerSpec) string {
	t.Helper()
	spec.Labels = f.labelsWith(spec.Labels)
	id, err := f.rt.Create(f.ctx, spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := f.rt.Start(f.ctx, id); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return id
}

// waitState polls until the container reaches want; the deadline is
// generous because the engine's pace varies, not part of the assertion.
func (f *fixture) waitState(t *testing.T, id string, want sandbox.ContainerState) sandbox.Container {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := f.rt.Inspect(f.ctx, id)
		if err != nil {
			t.Fatalf("Inspect: %v", err)
		}
		if c.State == want {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s is %s, want %s", id, c.State, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
