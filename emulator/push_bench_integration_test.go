package emulator_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"

	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
)

// plainRegistry serves the same library as the sandbox's registry, with
// the filesystem driver and none of cattle's middleware, on 127.0.0.1 in
// the test process; it returns its address.
func plainRegistry(t *testing.T) string {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	conf := &configuration.Configuration{}
	conf.Storage = configuration.Storage{"filesystem": configuration.Parameters{"rootdirectory": t.TempDir()}}
	conf.HTTP.Secret = hex.EncodeToString(secret)
	ctx, cancel := context.WithCancel(context.Background())
	app := handlers.NewApp(ctx, conf)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		_ = app.Shutdown()
		cancel()
	})
	return ln.Addr().String()
}

// TestIntegrationBenchPush measures `docker push` (through the engine) of
// a 50 MB image into the sandbox's registry against the same push into a
// plain registry of the same library, in one run: a fresh image each
// round, so that neither registry holds its layer, the order alternating.
// It prints the ratio of the medians (target: at most 1.2); it runs with
// CATTLE_BENCH=1 and asserts no timing.
func TestIntegrationBenchPush(t *testing.T) {
	if os.Getenv("CATTLE_BENCH") == "" {
		t.Skip("benchmark: run with CATTLE_BENCH=1 (make bench)")
	}
	s := emulatortest.Start(t)
	ctx := context.Background()
	plain := plainRegistry(t)
	const rounds, mb = 5, 50
	var ours, theirs []time.Duration
	for i := range rounds {
		ref := fmt.Sprintf("%s/bench-push:r%d", s.Daemon.RegistryAddr(), i)
		other := fmt.Sprintf("%s/bench-push:r%d", plain, i)
		bigImage(t, s.Runtime, ref, mb)
		if err := s.Runtime.ImageTag(ctx, ref, other); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Runtime.RemoveImage(context.Background(), other) })
		pushes := []struct {
			ref string
			out *[]time.Duration
		}{{ref, &ours}, {other, &theirs}}
		if i%2 == 1 {
			pushes[0], pushes[1] = pushes[1], pushes[0]
		}
		for _, p := range pushes {
			start := time.Now()
			if err := s.Runtime.ImagePush(ctx, p.ref); err != nil {
				t.Fatalf("push %s: %v", p.ref, err)
			}
			*p.out = append(*p.out, time.Since(start))
		}
	}
	o, p := medianOf(ours), medianOf(theirs)
	t.Logf("docker push of %d MB: sandbox registry median %s; plain registry median %s; ratio %.2fx (target <= 1.2x)",
		mb, o.Round(time.Millisecond), p.Round(time.Millisecond), float64(o)/float64(p))
	fmt.Printf("BENCH push/plain-registry ratio %.2f (sandbox %s, plain %s, %d MB, %d rounds)\n",
		float64(o)/float64(p), o.Round(time.Millisecond), p.Round(time.Millisecond), mb, rounds)
	testutil.RecordBench(t, testutil.BenchSeconds("push", "plain registry", o, p, 1.2))
}
