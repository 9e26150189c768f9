package compute_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
)

// waitHealthy polls /healthz on a loopback address until it answers 200.
func waitHealthy(tb testing.TB, addr string) {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("%s/healthz never answered", addr)
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// TestIntegrationBenchLaunch measures launching an instance of builtin/demo
// until its /healthz answers, against `docker run -d` of the same image
// until it answers, in one run, and prints the ratio. It runs with
// CATTLE_BENCH=1 (make bench); it asserts no timing.
func TestIntegrationBenchLaunch(t *testing.T) {
	if os.Getenv("CATTLE_BENCH") == "" {
		t.Skip("benchmark: run with CATTLE_BENCH=1 (make bench)")
	}
	s := emulatortest.Start(t)
	ctx := context.Background()
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{Image: "builtin/demo", Port: 8080}}); err != nil {
		t.Fatal(err)
	}
	const rounds = 7
	var cattle, docker, dockerRef []time.Duration
	for i := range rounds {
		// Alternate, so that a slow moment of the engine hits both.
		start := time.Now()
		insts, err := s.Client.RunInstances(ctx, api.RunInstancesRequest{Template: "web"})
		if err != nil || insts[0].State != compute.StateRunning {
			t.Fatalf("run: %v %+v", err, insts)
		}
		waitHealthy(t, insts[0].Address)
		cattle = append(cattle, time.Since(start))

		// The same work: the same image on the same network, port published
		// on loopback as cattle does; by engine image id (how instances
		// launched before they came from the registry) and by the
		// registry reference cattle launches by now.
		docker = append(docker, dockerRun(t, s, insts[0].ImageID))
		dockerRef = append(dockerRef, dockerRun(t, s, insts[0].ImageRef))
		if _, err := s.Client.Terminate(ctx, insts[0].ID); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: cattle %s, docker run by id %s, by registry ref %s", i+1, cattle[i].Round(time.Millisecond),
			docker[i].Round(time.Millisecond), dockerRef[i].Round(time.Millisecond))
	}
	mc, md, mr := median(cattle), median(docker), median(dockerRef)
	t.Logf("launch until /healthz answers, median of %d: cattle %s, docker run -d (same image and network) %s, ratio %.2fx (target <= 1.1x)",
		rounds, mc.Round(time.Millisecond), md.Round(time.Millisecond), float64(mc)/float64(md))
	t.Logf("launching by the registry reference (%s) against by engine image id: docker run %s vs %s, ratio %.2fx (target close to 1x)",
		"127.0.0.1:PORT/REPO@sha256:...", mr.Round(time.Millisecond), md.Round(time.Millisecond), float64(mr)/float64(md))
	testutil.RecordBench(t, testutil.BenchSeconds("launch", "docker run -d", mc, md, 1.1))
}

// dockerRun times `docker run -d` of image until its /healthz answers.
func dockerRun(t *testing.T, s *emulatortest.Sandbox, image string) time.Duration {
	ctx := context.Background()
	start := time.Now()
	out, err := exec.Command("docker", "run", "-d", "--label", sandbox.LabelSandbox+"="+s.Name,
		"--network", "cattle-"+s.Name, "-p", "127.0.0.1::8080", image).Output()
	if err != nil {
		t.Fatalf("docker run %s: %v", image, err)
	}
	id := strings.TrimSpace(string(out))
	defer func() { _ = s.Runtime.Remove(ctx, id, true) }()
	c, err := s.Runtime.Inspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, "127.0.0.1:"+itoa(c.HostPort))
	return time.Since(start)
}

func itoa(n int) string {
	return strconv.Itoa(n)
}
