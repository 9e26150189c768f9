package autoscaling_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
)

// benchScale is how many instances TestIntegrationBenchServingAtScale
// runs: CATTLE_BENCH_SCALE, 200 when unset.
func benchScale(t *testing.T) int {
	n := 200
	if v := os.Getenv("CATTLE_BENCH_SCALE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > autoscaling.MaxGroupSize {
			t.Fatalf("CATTLE_BENCH_SCALE=%q: use 1-%d", v, autoscaling.MaxGroupSize)
		}
	}
	return n
}

// dockerParallel is how many `docker run -d` the baseline runs at once.
const dockerParallel = 8

// TestIntegrationBenchServingAtScale measures a group of n t3.nano (200
// unless CATTLE_BENCH_SCALE says) behind one load balancer:
//   - 0 -> n until n targets are healthy, against n `docker run -d`
//     (8 at a time) of the same image until each answers /healthz;
//   - the daemon at rest with n targets under health checks: its memory
//     and CPU, per target;
//   - a refresh of all n at min healthy 90%, against the least its batches
//     allow (launch + healthy + drain of one batch, measured, per batch).
func TestIntegrationBenchServingAtScale(t *testing.T) {
	s := benchSandbox(t)
	n := benchScale(t)
	nanoTemplates(t, s.Client)
	scaleOutServing(t, s, n)
	atRest(t, n)
	refreshAtScale(t, s.Client, n)
}

// scaleOutServing measures a group "web" behind load balancer "web" going
// from 0 to n until n targets are healthy, against n `docker run -d` of
// the same image (dockerParallel at a time) until each answers /healthz,
// and records the ratio.
func scaleOutServing(t *testing.T, s *emulatortest.Sandbox, n int) {
	t.Helper()
	c := s.Client
	ref := engineRef(t, c)
	docker, engineDocker := dockerUntilAnswering(t, s, ref, n, dockerParallel)

	ctx := context.Background()
	if _, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	zero := 0
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web:1", Min: 0, Max: n, Desired: &zero,
		LoadBalancer: "web", HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	after := lastSeq(t, c)
	stopProfile := startProfile(t, fmt.Sprintf("scale-out-%d", n))
	engine0, daemon0 := engineCPU(), cpuTime(t)
	start := time.Now()
	if _, err := c.ScaleGroup(ctx, "web", autoscaling.ScaleSpec{Desired: &n}); err != nil {
		t.Fatal(err)
	}
	waitHealthyGroup(t, c, n)
	group := time.Since(start)
	engineGroup, daemon := engineCPU()-engine0, cpuTime(t)-daemon0
	profile := stopProfile()
	// The engine's CPU shows what each side asked of it; the daemon's is
	// cattle's own work (this test process, which also polls).
	t.Logf("CPU while scaling out %d: the engine %s for the group against %s for docker run; the daemon %s; its profile %s",
		n, ms(engineGroup), ms(engineDocker), ms(daemon), profile)
	if testing.Verbose() && n <= 50 {
		timeline(t, c, after, start)
	}
	t.Logf("0 -> %d until %d healthy targets: group %s; %d docker run -d (%d at a time) until answering %s; ratio %.2fx (target <= 1.1x)",
		n, n, ms(group), n, dockerParallel, ms(docker), float64(group)/float64(docker))
	testutil.RecordBench(t, testutil.BenchSeconds(fmt.Sprintf("scale-out-serving-%d", n), "docker run -d until answering", group, docker, 1.1))
}

// TestIntegrationBenchEngineParallelism runs 48 containers until they
// answer, 1, 2, 4, 8, 16 and 48 at a time, and prints how long each took:
// the parallelism the engine takes best, which compute's launches use.
func TestIntegrationBenchEngineParallelism(t *testing.T) {
	s := benchSandbox(t)
	nanoTemplates(t, s.Client)
	ref := engineRef(t, s.Client)
	const n = 48
	for _, p := range []int{1, 2, 4, 8, 16, 48} {
		took, _ := dockerUntilAnswering(t, s, ref, n, p)
		t.Logf("%d docker run -d until answering, %2d at a time: %s", n, p, ms(took))
	}
}

// engineRef launches one instance of web:1 and terminates it: the engine
// then holds its image, by the reference returned, for the baseline's
// `docker run`, as it does for the group's launches.
func engineRef(t *testing.T, c *api.Client) string {
	t.Helper()
	ctx := context.Background()
	insts, err := c.RunInstances(ctx, api.RunInstancesRequest{Template: "web", Version: "1"})
	if err != nil || insts[0].State != compute.StateRunning {
		t.Fatalf("run: %v %+v", err, insts)
	}
	if _, err := c.Terminate(ctx, insts[0].ID); err != nil {
		t.Fatal(err)
	}
	return insts[0].ImageRef
}

func nanoTemplates(t *testing.T, c *api.Client) compute.TemplateVersion {
	t.Helper()
	ctx := context.Background()
	d, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{
		Image: "builtin/demo", Port: 8080, InstanceType: "t3.nano", Health: compute.HealthCheck{Path: "/healthz"},
		Env: map[string]string{"DEMO_VERSION": "v1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateVersion(ctx, "web", api.CreateVersionRequest{TemplateData: compute.TemplateData{
		Env: map[string]string{"DEMO_VERSION": "v2"}}}); err != nil {
		t.Fatal(err)
	}
	return d.Versions[0]
}

// dockerUntilAnswering runs n containers of image, parallel at a time,
// each until its /healthz answers on 127.0.0.1, then removes them all
// (before the group starts, so that both have the engine alike).
// It also returns the engine's CPU time until then.
func dockerUntilAnswering(t *testing.T, s *emulatortest.Sandbox, image string, n, parallel int) (took, engine time.Duration) {
	t.Helper()
	ids := make([]string, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	start, engine0 := time.Now(), engineCPU()
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ids[i], errs[i] = dockerRunAnswering(s, image)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	took, engine = time.Since(start), engineCPU()-engine0
	// Removed parallel at a time too: Docker 20.10 removing hundreds at
	// once has left stale endpoints on the network, which then cannot
	// be removed until the engine restarts.
	sem := make(chan struct{}, parallel)
	for _, id := range ids {
		if id != "" {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				_ = s.Runtime.Remove(context.Background(), id, true)
			}()
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return took, engine
}

func dockerRunAnswering(s *emulatortest.Sandbox, image string) (string, error) {
	out, err := exec.Command("docker", "run", "-d", "--label", sandbox.LabelSandbox+"="+s.Name, "--memory", "64m",
		"--cpus", "0.25", "--network", "cattle-"+s.Name, "-p", "127.0.0.1::8080", image).Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		return "", fmt.Errorf("docker run %s: %v: %s", image, err, ee.Stderr)
	} else if err != nil {
		return "", fmt.Errorf("docker run %s: %v", image, err)
	}
	id := strings.TrimSpace(string(out))
	cont, err := s.Runtime.Inspect(context.Background(), id)
	if err != nil {
		return id, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", cont.HostPort)
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return id, nil
			}
		}
	}
	return id, fmt.Errorf("%s did not answer in 2 minutes", url)
}

// waitHealthyGroup polls the group every 50 ms until n of n are healthy.
// Not every 5 ms as poll does: reading a group of hundreds through the
// API then takes the daemon's process half its CPU, which the engine
// launching beside it on the same cores would pay for.
func waitHealthyGroup(t *testing.T, c *api.Client, n int) {
	t.Helper()
	for {
		g, err := c.Group(context.Background(), "web")
		if err == nil && g.Healthy == n && len(g.Instances) == n {
			return
		}
		if deadline, ok := t.Deadline(); ok && time.Until(deadline) < 30*time.Second {
			t.Fatalf("%d healthy: still not so as the test's deadline nears", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// atRest logs the daemon's (this test process's) memory and CPU over 30 s
// with n targets under health checks and nothing else going on, and the
// engine's CPU beside it (dockerd, containerd and their helpers), which
// the daemon's health checks and drift scans cost too. The daemon's CPU
// profile over those 30 s goes to $CATTLE_ARTIFACTS (or the test's
// temporary folder), to read with go tool pprof -top.
func atRest(t *testing.T, n int) {
	t.Helper()
	const span = 30 * time.Second
	stopProfile := startProfile(t, fmt.Sprintf("at-rest-%d", n))
	before, engineBefore := cpuTime(t), engineCPU()
	time.Sleep(span)
	used, engineUsed := cpuTime(t)-before, engineCPU()-engineBefore
	profile := stopProfile()
	rss := residentBytes(t)
	share := func(d time.Duration) float64 { return 100 * d.Seconds() / span.Seconds() }
	t.Logf("at rest with %d targets under health checks (1 s interval): CPU %.1f%% of a core (%.3f%% per target), resident memory %.0f MiB (%.0f KiB per target); the engine's CPU meanwhile %.1f%% of a core (%.3f%% per target); profile %s",
		n, share(used), share(used)/float64(n), float64(rss)/(1<<20), float64(rss)/1024/float64(n),
		share(engineUsed), share(engineUsed)/float64(n), profile)
}

// startProfile starts the CPU profile of this process (the daemon runs
// in it) into $CATTLE_ARTIFACTS (or the test's temporary folder) as
// name.cpu.pprof; the function it returns stops it and returns the path,
// to read with go tool pprof -top.
func startProfile(t *testing.T, name string) (stop func() string) {
	t.Helper()
	dir := os.Getenv("CATTLE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name+".cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		t.Fatal(err)
	}
	return func() string {
		pprof.StopCPUProfile()
		f.Close()
		return path
	}
}

// engineCPU is the CPU time used so far by the engine's processes:
// dockerd, containerd, the container shims and docker-proxy (one per
// published port), read from /proc.
func engineCPU() time.Duration {
	var ticks uint64
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		name, rest, ok := strings.Cut(string(b), ") ")
		_, name, _ = strings.Cut(name, "(")
		f := strings.Fields(rest)
		if !ok || len(f) < 13 || !isEngine(name) {
			continue
		}
		u, _ := strconv.ParseUint(f[11], 10, 64)
		s, _ := strconv.ParseUint(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

func isEngine(comm string) bool {
	for _, p := range []string{"dockerd", "containerd", "docker-proxy", "fuse-overlayfs"} {
		if strings.HasPrefix(comm, p) {
			return true
		}
	}
	return false
}

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func residentBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// refreshAtScale refreshes the group of n at min healthy 90% with no
// warmup, against batches x (launch + healthy + drain) of one batch.
func refreshAtScale(t *testing.T, c *api.Client, n int) {
	t.Helper()
	const minHealthy = 90
	batch := n - (n*minHealthy+99)/100
	batches := (n + batch - 1) / batch
	launch, healthy, drain := refreshParts(t, c, batch)
	least := time.Duration(batches) * (launch + healthy + drain)
	ctx := context.Background()
	seq := lastSeq(t, c)
	start := time.Now()
	if _, err := c.StartRefresh(ctx, "web", autoscaling.RefreshSpec{TemplateVersion: "2",
		MinHealthyPercentage: intPtr(minHealthy), InstanceWarmup: autoscaling.D(0)}); err != nil {
		t.Fatal(err)
	}
	var r autoscaling.Refresh
	poll(t, "refresh done", func() bool {
		rs, err := c.Refreshes(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		r = rs[0]
		return autoscaling.Done(r.Status)
	})
	took := time.Since(start)
	if r.Status != autoscaling.RefreshSuccessful {
		timeline(t, c, seq, start)
		t.Fatalf("refresh of %d: %s: %s", n, r.Status, r.StatusReason)
	}
	t.Logf("refresh of %d at min healthy %d%% (%d batches of %d): %s; least those settings allow %s (launch %s + healthy %s + drain %s per batch); ratio %.2fx",
		n, minHealthy, batches, batch, ms(took), ms(least), ms(launch), ms(healthy), ms(drain), float64(took)/float64(least))
	testutil.RecordBench(t, testutil.BenchSeconds(fmt.Sprintf("refresh-%d", n), "its parts", took, least, 1.25))
}
