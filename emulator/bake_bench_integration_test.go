package emulator_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/scenarios"
)

// TestIntegrationBenchBake measures a bake from builtin/demo with one file
// provisioner and two env changes (build, commit, push into the registry)
// against `docker build` of the equivalent Dockerfile (FROM the same base,
// COPY, ENV) through the engine's build API, in one run, and prints the
// ratio of the medians (target: at most 1.5). It runs with CATTLE_BENCH=1;
// it asserts no timing.
func TestIntegrationBenchBake(t *testing.T) {
	if os.Getenv("CATTLE_BENCH") == "" {
		t.Skip("benchmark: run with CATTLE_BENCH=1 (make bench)")
	}
	s := emulatortest.Start(t)
	ctx := context.Background()
	base := demoTag(t, s)
	repo := uniqueRepo("bench-bake")
	motd := "baked for the benchmark\n"
	file := bakeFile(t, "name: "+repo+"\ntags: [\"${tag}\"]\nfrom: builtin/demo\n"+
		"provisioners:\n  - file: {source: motd.txt, destination: /etc/motd}\n"+
		"changes:\n  env: {DEMO_VERSION: v2, GREETING: hello}\n", map[string]string{"motd.txt": motd})
	dockerfile := "FROM " + base + "\nCOPY motd.txt /etc/motd\nENV DEMO_VERSION=v2\nENV GREETING=hello\n"
	const rounds = 5
	var bakes, builds []time.Duration
	for i := range rounds {
		// Alternate, so that a slow moment of the engine hits both.
		spec, err := scenarios.ReadBakeFile(file, map[string]string{"tag": fmt.Sprintf("r%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := s.Client.Bake(ctx, api.BakeRequest{Spec: spec}, nil); err != nil {
			t.Fatal(err)
		}
		bakes = append(bakes, time.Since(start))

		ref := fmt.Sprintf("%s-docker:r%d", repo, i)
		buildCtx := buildContext(t, dockerfile, motd)
		start = time.Now()
		if _, err := s.Runtime.BuildImage(ctx, buildCtx, ref, map[string]string{sandbox.LabelImageSandbox: s.Name}); err != nil {
			t.Fatal(err)
		}
		builds = append(builds, time.Since(start))
		t.Cleanup(func() { _ = s.Runtime.RemoveImage(context.Background(), ref) })
	}
	b, d := medianOf(bakes), medianOf(builds)
	t.Logf("bake (file + 2 env, pushed) median %s; docker build (COPY + 2 ENV) median %s; ratio %.2fx (target <= 1.5x)",
		b.Round(time.Millisecond), d.Round(time.Millisecond), float64(b)/float64(d))
	fmt.Printf("BENCH bake/docker-build ratio %.2f (bake %s, docker build %s, %d rounds)\n",
		float64(b)/float64(d), b.Round(time.Millisecond), d.Round(time.Millisecond), rounds)
	testutil.RecordBench(t, testutil.BenchSeconds("bake", "docker build", b, d, 1.5))
}

// demoTag is the engine's name of the sandbox's builtin/demo image.
func demoTag(t *testing.T, s *emulatortest.Sandbox) string {
	t.Helper()
	imgs, err := s.Client.Images(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range imgs {
		if i.Repository == images.DemoImageName {
			ref := s.Daemon.RegistryAddr() + "/" + i.Repository + "@" + i.Digest
			img, err := s.Runtime.InspectImage(context.Background(), ref)
			if err != nil || len(img.Tags) == 0 {
				t.Fatalf("the demo image %s: %v %v", i.Digest, err, img.Tags)
			}
			return img.Tags[0]
		}
	}
	t.Fatal("no builtin/demo")
	return ""
}

func buildContext(t *testing.T, dockerfile, motd string) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, content := range map[string]string{"Dockerfile": dockerfile, "motd.txt": motd} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func medianOf(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
