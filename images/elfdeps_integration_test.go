package images

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox/docker"
)

// TestIntegrationDemoImageFromADynamicBinary builds cattle as a plain `go
// install` does on a machine with a C compiler (cgo on, so linked against
// the C library) and checks that its demo image still serves.
func TestIntegrationDemoImageFromADynamicBinary(t *testing.T) {
	testutil.SkipIfShort(t)
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no C compiler: go builds static binaries here anyway")
	}
	bin := filepath.Join(t.TempDir(), "cattle")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/cattle")
	cmd.Dir = testutil.RepoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building cattle with cgo: %v\n%s", err, out)
	}
	libs, err := runtimeFiles(bin)
	if err != nil || len(libs) < 2 {
		t.Fatalf("a cgo build must need its loader and the C library: %v %v", libs, err)
	}
	ctx := context.Background()
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	name := "itest-dyn-" + randomHex(t)
	img, err := DemoImage(ctx, rt, name, bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.RemoveImage(context.Background(), img.ID) })
	c := runDemo(t, rt, img.ID, name)
	if status, body := waitForHTTP(t, c.url+"/healthz"); status != http.StatusOK || body != "ok" {
		t.Fatalf("/healthz of the dynamic binary's demo image = %d %q", status, body)
	}
}

func TestStaticBinaryNeedsNoLibraries(t *testing.T) {
	libs, err := runtimeFiles(testutil.CattleBinary(t))
	if err != nil || len(libs) != 0 {
		t.Fatalf("the static build needs %v (%v), want nothing", libs, err)
	}
}
