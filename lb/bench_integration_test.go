package lb

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/testutil"
)

// Performance target of the load balancer against nginx on the same
// backends, with the same load tool, in the same run.
const (
	minThroughputRatio = 1.2 // cattle req/s >= 1.2 x nginx
	maxP99Ratio        = 1.0 // cattle p99 <= nginx
)

// TestIntegrationBenchVsNginx puts three `cattle demo-app` processes behind
// cattle's load balancer and behind nginx, drives both with wrk (or a Go
// closed loop when wrk is missing) and compares throughput, p99 and CPU
// time per request. nginx is configured to do the load balancer's work:
// it adds X-Forwarded-For, -Proto and -Port and a response header naming
// the target.
// It runs only with CATTLE_BENCH=1: it takes about two minutes and wants
// a quiet machine (`make bench` runs one package at a time). Rounds
// alternate the two, so drift in the machine's load hits both alike; each
// side's best round counts, as other work only ever slows a round down,
// and the ratio of every pair of rounds is printed too.
func TestIntegrationBenchVsNginx(t *testing.T) {
	testutil.SkipIfShort(t)
	if os.Getenv("CATTLE_BENCH") != "1" {
		t.Skip("benchmark: set CATTLE_BENCH=1 to compare the load balancer with nginx")
	}
	nginx, err := lookPath("nginx")
	if err != nil {
		t.Skipf("benchmark against nginx: %v; install it with apt-get install nginx", err)
	}
	bin := testutil.CattleBinary(t)
	backends := make([]string, 3)
	for i := range backends {
		backends[i] = startDemoApp(t, bin, fmt.Sprintf("i-bench-%d", i))
	}

	g := newGroup(t, TargetGroupConfig{Name: "bench", HealthCheck: HealthCheck{Path: "/healthz"}})
	for i, addr := range backends {
		if err := g.Register(Target{ID: fmt.Sprintf("i-bench-%d", i), Address: addr}); err != nil {
			t.Fatal(err)
		}
	}
	waitState(t, g, StateHealthy, "i-bench-0", "i-bench-1", "i-bench-2")
	l := startLB(t, Config{Name: "bench"}, Forward{Group: g})
	nginxAddr, nginxPID := startNginx(t, nginx, backends)

	tool := pickLoadTool()
	// The CPU each proxy used: nginx's master and workers, and this test
	// process alone (not its demo-app children), which holds cattle's load
	// balancer, and the load generator too when wrk is missing, so then
	// cattle's figure is left out.
	cpu := map[string]func() time.Duration{"nginx": func() time.Duration { return processCPU(nginxPID, true) }}
	if tool.name() == "wrk" {
		cpu["cattle"] = func() time.Duration { return processCPU(os.Getpid(), false) }
	}
	urls := map[string]string{"cattle": "http://" + l.Addr() + "/", "nginx": "http://" + nginxAddr + "/"}
	for _, conns := range []int{64, 256} {
		benchAt(t, tool, urls, cpu, conns)
	}
}

// benchAt runs the rounds at conns connections and prints and records the
// ratios.
func benchAt(t *testing.T, tool loadTool, urls map[string]string, cpu map[string]func() time.Duration, conns int) {
	const (
		duration = 5 * time.Second
		rounds   = 7
	)
	ctx := context.Background()
	for name, url := range urls { // warm up connections and caches
		if _, err := tool.run(ctx, url, conns, time.Second); err != nil {
			t.Fatalf("warming up %s: %v", name, err)
		}
	}
	idle := waitQuiet(0.7, 30*time.Second)
	r := runBenchRounds(t, tool, urls, cpu, conns, duration, rounds)
	best, pairRatios, perRequest := r.best, r.pairRatios, r.perRequest
	c, n := best["cattle"], best["nginx"]
	tpRatio := c.throughput / n.throughput
	p99Ratio := float64(c.p99) / float64(n.p99)
	slices.Sort(pairRatios)
	var rs []string
	for _, ratio := range pairRatios {
		rs = append(rs, fmt.Sprintf("%.2f", ratio))
	}
	report := fmt.Sprintf("load balancer benchmark (%s, %d connections, %s rounds, best of %d, GOMAXPROCS=%d, machine %.0f%% idle before the rounds):\n"+
		"  nginx   %s\n  cattle  %s\n"+
		"  CPU per request: nginx %s, cattle %s\n"+
		"  throughput cattle/nginx by pair of rounds, sorted: %s (median %.2f)\n"+
		"  cattle/nginx: throughput %.2fx (target >= %.1fx), p99 %.2fx (target <= %.1fx)",
		tool.name(), conns, duration, rounds, runtimeProcs(), idle*100,
		n, c, perRequest("nginx"), perRequest("cattle"),
		strings.Join(rs, " "), pairRatios[len(pairRatios)/2],
		tpRatio, minThroughputRatio, p99Ratio, maxP99Ratio)
	t.Log(report)
	fmt.Println(report)
	testutil.RecordBench(t, testutil.Bench{Name: fmt.Sprintf("lb-throughput-%dc", conns), BaselineName: "nginx",
		Cattle: c.throughput, Baseline: n.throughput, Ratio: tpRatio, Unit: "requests/s", Better: "higher", Target: minThroughputRatio})
	testutil.RecordBench(t, testutil.Bench{Name: fmt.Sprintf("lb-p99-%dc", conns), BaselineName: "nginx",
		Cattle: c.p99.Seconds(), Baseline: n.p99.Seconds(), Ratio: p99Ratio, Unit: "seconds", Better: "lower", Target: maxP99Ratio})
	// Timings are noisy here: the ratios are printed, never asserted.
	if tpRatio < minThroughputRatio || p99Ratio > maxP99Ratio {
		fmt.Printf("  below target: throughput %.2fx nginx (target >= %.1fx), p99 %.2fx (target <= %.1fx)\n",
			tpRatio, minThroughputRatio, p99Ratio, maxP99Ratio)
	}
}

// benchRounds is what the rounds measured: each proxy's best run, the
// throughput ratio of each pair of rounds, and CPU used per request served.
type benchRounds struct {
	best       map[string]loadRun
	pairRatios []float64
	cpuUsed    map[string]time.Duration
	served     map[string]int64
}

// runBenchRounds runs nginx then cattle, rounds times, each for duration
// with conns connections, measuring the CPU of those that cpu names.
func runBenchRounds(t *testing.T, tool loadTool, urls map[string]string, cpu map[string]func() time.Duration,
	conns int, duration time.Duration, rounds int) benchRounds {
	t.Helper()
	ctx := context.Background()
	r := benchRounds{best: map[string]loadRun{}, cpuUsed: map[string]time.Duration{}, served: map[string]int64{}}
	best, cpuUsed, served := r.best, r.cpuUsed, r.served
	for round := range rounds {
		got := map[string]loadRun{}
		for _, name := range []string{"nginx", "cattle"} {
			var before time.Duration
			if cpu[name] != nil {
				before = cpu[name]()
			}
			run, err := tool.run(ctx, urls[name], conns, duration)
			if err != nil {
				t.Fatalf("%s round %d: %v", name, round+1, err)
			}
			if cpu[name] != nil {
				cpuUsed[name] += cpu[name]() - before
				served[name] += run.requests
			}
			t.Logf("round %d %-6s %s", round+1, name, run)
			if run.failures > 0 {
				t.Errorf("%s: %d requests failed under load", name, run.failures)
			}
			got[name] = run
			if b, ok := best[name]; !ok || run.throughput > b.throughput {
				best[name] = run
			}
		}
		r.pairRatios = append(r.pairRatios, got["cattle"].throughput/got["nginx"].throughput)
	}
	return r
}

// perRequest is the CPU name used per request, when it was measured.
func (r benchRounds) perRequest(name string) string {
	if r.served[name] == 0 {
		return "not measured (the load generator shares the process)"
	}
	return fmt.Sprintf("%.1f µs", float64(r.cpuUsed[name].Microseconds())/float64(r.served[name]))
}

// waitQuiet waits, up to max, for a second in which the machine's CPUs
// were at least minIdle idle, and returns the last second's idle share:
// the benchmark wants the machine to itself (the engine may still be
// cleaning up after an earlier test).
func waitQuiet(minIdle float64, max time.Duration) float64 {
	deadline := time.Now().Add(max)
	for {
		i0, t0 := cpuTimes()
		time.Sleep(time.Second)
		i1, t1 := cpuTimes()
		idle := 0.0
		if t1 > t0 {
			idle = float64(i1-i0) / float64(t1-t0)
		}
		if idle >= minIdle || time.Now().After(deadline) {
			return idle
		}
	}
}

// cpuTimes reads the idle and total jiffies of all CPUs from /proc/stat.
func cpuTimes() (idle, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
		if i == 3 || i == 4 { // idle, iowait
			idle += v
		}
	}
	return idle, total
}

// processCPU is the user and system CPU time used so far by a process,
// and by its children (nginx's workers) too when asked, read from /proc.
func processCPU(pid int, children bool) time.Duration {
	var ticks uint64
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command name, which is in parentheses
		// and may hold spaces: state ppid ... utime(12th) stime(13th).
		_, rest, ok := strings.Cut(string(b), ") ")
		f := strings.Fields(rest)
		if !ok || len(f) < 13 {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); p != pid && (!children || ppid != pid) {
			continue
		}
		u, _ := strconv.ParseUint(f[11], 10, 64)
		s, _ := strconv.ParseUint(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on Linux.
const clockTicks = 100

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago, for a child process to listen on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startDemoApp runs `cattle demo-app` as a child process and waits until
// its /healthz answers.
func startDemoApp(t *testing.T, bin, id string) string {
	t.Helper()
	addr := freeAddr(t)
	logPath := filepath.Join(t.TempDir(), id+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "demo-app", "--listen", addr)
	cmd.Env = append(os.Environ(), "CATTLE_INSTANCE_ID="+id)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s demo-app: %v", bin, err)
	}
	t.Cleanup(func() { stopProcess(cmd); logf.Close() })
	waitHTTP(t, "http://"+addr+"/healthz", func() string {
		b, _ := os.ReadFile(logPath)
		return string(b)
	})
	return addr
}

// startNginx runs nginx in the foreground with a config of its own in a
// temporary folder (pid, logs, temp files there too), so it touches
// nothing under /etc/nginx or /var.
func startNginx(t *testing.T, nginx string, backends []string) (addr string, pid int) {
	t.Helper()
	dir := t.TempDir()
	addr = freeAddr(t)
	conf := nginxConfig(dir, addr, backends, nginxModules(nginx))
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	errLog := filepath.Join(dir, "error.log")
	cmd := exec.Command(nginx, "-p", dir, "-c", confPath, "-e", errLog)
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	t.Cleanup(func() { stopProcess(cmd); out.Close() })
	waitHTTP(t, "http://"+addr+"/", func() string {
		a, _ := os.ReadFile(errLog)
		b, _ := os.ReadFile(out.Name())
		return string(a) + string(b) + "\nconfig:\n" + conf
	})
	return addr, cmd.Process.Pid
}

// nginxModules tells which optional temp-path directives this nginx knows:
// naming one whose module was left out of the build is a fatal error.
func nginxModules(nginx string) map[string]bool {
	out, _ := exec.Command(nginx, "-V").CombinedOutput()
	has := map[string]bool{}
	for _, m := range []string{"fastcgi", "uwsgi", "scgi"} {
		has[m] = !strings.Contains(string(out), "--without-http_"+m+"_module")
	}
	return has
}

func nginxConfig(dir, addr string, backends []string, modules map[string]bool) string {
	var b strings.Builder
	if os.Geteuid() == 0 {
		b.WriteString("user root;\n") // workers can then use the root-owned temp folder
	}
	fmt.Fprintf(&b, "worker_processes auto;\ndaemon off;\npid %s/nginx.pid;\nerror_log %s/error.log warn;\n", dir, dir)
	b.WriteString("events { worker_connections 4096; }\nhttp {\n  access_log off;\n")
	fmt.Fprintf(&b, "  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n", dir, dir)
	for _, m := range []string{"fastcgi", "uwsgi", "scgi"} {
		if modules[m] {
			fmt.Fprintf(&b, "  %s_temp_path %s/%s;\n", m, dir, m)
		}
	}
	b.WriteString("  upstream backends {\n")
	for _, be := range backends {
		fmt.Fprintf(&b, "    server %s;\n", be)
	}
	b.WriteString("    keepalive 64;\n  }\n")
	fmt.Fprintf(&b, "  server {\n    listen %s;\n    location / {\n", addr)
	b.WriteString("      proxy_pass http://backends;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n")
	// The work cattle's load balancer does on every request, as an ALB.
	b.WriteString("      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_set_header X-Forwarded-Proto $scheme;\n")
	b.WriteString("      proxy_set_header X-Forwarded-Port $server_port;\n      add_header X-Cattle-Target $upstream_addr;\n")
	b.WriteString("    }\n  }\n}\n")
	return b.String()
}

// waitHTTP polls url until it answers 200; on failure it shows logs().
func waitHTTP(t *testing.T, url string, logs func() string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200 within 30s (last error %v); logs:\n%s", url, err, logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopProcess asks a child to stop (SIGTERM), then kills it if it lingers.
func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
