package lb

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
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
// time per request, at 64 and 256 connections, keep-alive and not. nginx
// is configured to do the load balancer's work: it adds X-Forwarded-For,
// -Proto and -Port and a response header naming the target. Two more
// proxies doing the same work run in the same rounds, for lb/doc.go:
// net/http's ReverseProxy with a tuned transport and a proxy on fasthttp's
// server and client (alternatives_test.go).
// It runs only with CATTLE_BENCH=1: it takes about eight minutes and wants
// a quiet machine (`make bench` runs one package at a time). Rounds
// alternate the proxies, so drift in the machine's load hits all alike;
// each one's best round counts, as other work only ever slows a round
// down, and the ratio of every pair of rounds is printed too.
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
	// process alone (not its demo-app children) for the three that run in
	// it, one at a time. With wrk missing the load generator shares the
	// process, so then their figures are left out.
	self := func() time.Duration { return processCPU(os.Getpid(), false) }
	if tool.name() != "wrk" {
		self = nil
	}
	proxies := []proxy{
		{name: "nginx", url: "http://" + nginxAddr + "/", cpu: func() time.Duration { return processCPU(nginxPID, true) }},
		{name: "cattle", url: "http://" + l.Addr() + "/", cpu: self},
		{name: "reverseproxy", url: "http://" + startReverseProxy(t, backends) + "/", cpu: self},
		{name: "fasthttp", url: "http://" + startFastHTTPProxy(t, backends) + "/", cpu: self},
	}
	for _, keepAlive := range []bool{true, false} {
		for _, conns := range []int{64, 256} {
			benchAt(t, tool, proxies, conns, keepAlive)
		}
	}
}

// proxy is one of the proxies the benchmark drives, and how to read the
// CPU it has used (nil: not measured).
type proxy struct {
	name, url string
	cpu       func() time.Duration
}

// benchAt runs the rounds at conns connections and prints and records the
// ratios to nginx (the first proxy).
func benchAt(t *testing.T, tool loadTool, proxies []proxy, conns int, keepAlive bool) {
	const (
		duration = 4 * time.Second
		rounds   = 5
	)
	mode := "keep-alive"
	if !keepAlive {
		mode = "a connection per request"
	}
	ctx := context.Background()
	for _, p := range proxies { // warm up connections and caches
		if _, err := tool.run(ctx, p.url, conns, time.Second, keepAlive); err != nil {
			t.Fatalf("warming up %s: %v", p.name, err)
		}
	}
	idle := waitQuiet(0.7, 30*time.Second)
	r := runBenchRounds(t, tool, proxies, conns, keepAlive, duration, rounds)
	var b strings.Builder
	fmt.Fprintf(&b, "load balancer benchmark (%s, %d connections, %s, %s rounds, best of %d, GOMAXPROCS=%d, machine %.0f%% idle before the rounds):\n",
		tool.name(), conns, mode, duration, rounds, runtimeProcs(), idle*100)
	base := r.best[proxies[0].name]
	for _, p := range proxies {
		run := r.best[p.name]
		fmt.Fprintf(&b, "  %-12s %s  CPU %s/request", p.name, run, r.perRequest(p.name))
		if p.name != proxies[0].name {
			ratios := r.pairRatios[p.name]
			slices.Sort(ratios)
			fmt.Fprintf(&b, "  /nginx: throughput %.2fx (pairs %s), p99 %.2fx", run.throughput/base.throughput,
				formatRatios(ratios), float64(run.p99)/float64(base.p99))
		}
		b.WriteString("\n")
	}
	c := r.best["cattle"]
	tpRatio, p99Ratio := c.throughput/base.throughput, float64(c.p99)/float64(base.p99)
	fmt.Fprintf(&b, "  cattle/nginx: throughput %.2fx (target >= %.1fx), p99 %.2fx (target <= %.1fx)",
		tpRatio, minThroughputRatio, p99Ratio, maxP99Ratio)
	t.Log(b.String())
	fmt.Println(b.String())
	suffix := fmt.Sprintf("%dc", conns)
	if !keepAlive {
		suffix += "-close"
	}
	for _, p := range proxies[1:] {
		run := r.best[p.name]
		target, p99Target := 0.0, 0.0
		if p.name == "cattle" {
			target, p99Target = minThroughputRatio, maxP99Ratio
		}
		name := "lb"
		if p.name != "cattle" {
			name += "-" + p.name
		}
		testutil.RecordBench(t, testutil.Bench{Name: name + "-throughput-" + suffix, BaselineName: "nginx",
			Cattle: run.throughput, Baseline: base.throughput, Ratio: run.throughput / base.throughput,
			Unit: "requests/s", Better: "higher", Target: target})
		testutil.RecordBench(t, testutil.Bench{Name: name + "-p99-" + suffix, BaselineName: "nginx",
			Cattle: run.p99.Seconds(), Baseline: base.p99.Seconds(), Ratio: float64(run.p99) / float64(base.p99),
			Unit: "seconds", Better: "lower", Target: p99Target})
	}
	// Timings are noisy here: the ratios are printed, never asserted.
	if tpRatio < minThroughputRatio || p99Ratio > maxP99Ratio {
		fmt.Printf("  below target: throughput %.2fx nginx (target >= %.1fx), p99 %.2fx (target <= %.1fx)\n",
			tpRatio, minThroughputRatio, p99Ratio, maxP99Ratio)
	}
}

func formatRatios(rs []float64) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%.2f", r))
	}
	return strings.Join(s, " ")
}

// benchRounds is what the rounds measured: each proxy's best run, the
// throughput ratio to the first proxy of each round, and CPU used per
// request served.
type benchRounds struct {
	best       map[string]loadRun
	pairRatios map[string][]float64
	cpuUsed    map[string]time.Duration
	served     map[string]int64
}

// runBenchRounds runs the proxies one after another, rounds times, each
// for duration with conns connections, measuring the CPU of those that
// say how.
func runBenchRounds(t *testing.T, tool loadTool, proxies []proxy, conns int, keepAlive bool,
	duration time.Duration, rounds int) benchRounds {
	t.Helper()
	ctx := context.Background()
	r := benchRounds{best: map[string]loadRun{}, pairRatios: map[string][]float64{},
		cpuUsed: map[string]time.Duration{}, served: map[string]int64{}}
	for round := range rounds {
		var first loadRun
		for i, p := range proxies {
			var before time.Duration
			if p.cpu != nil {
				before = p.cpu()
			}
			stop := func() {}
			if round == 0 && p.name == "cattle" {
				stop = profileCattle(t, conns, keepAlive)
			}
			run, err := tool.run(ctx, p.url, conns, duration, keepAlive)
			stop()
			if err != nil {
				t.Fatalf("%s round %d: %v", p.name, round+1, err)
			}
			if p.cpu != nil {
				r.cpuUsed[p.name] += p.cpu() - before
				r.served[p.name] += run.requests
			}
			t.Logf("round %d %-12s %s", round+1, p.name, run)
			if run.failures > 0 {
				t.Errorf("%s: %d requests failed under load", p.name, run.failures)
			}
			if i == 0 {
				first = run
			} else {
				r.pairRatios[p.name] = append(r.pairRatios[p.name], run.throughput/first.throughput)
			}
			if b, ok := r.best[p.name]; !ok || run.throughput > b.throughput {
				r.best[p.name] = run
			}
		}
	}
	return r
}

// profileCattle starts a CPU profile of this process, which serves
// cattle's load balancer, into $CATTLE_ARTIFACTS (nothing when unset), for
// cattle's first round at each setting: go tool pprof -top shows where its
// time per request goes. The function returned stops it.
func profileCattle(t *testing.T, conns int, keepAlive bool) func() {
	dir := os.Getenv("CATTLE_ARTIFACTS")
	if dir == "" {
		return func() {}
	}
	name := fmt.Sprintf("lb-cattle-%dc", conns)
	if !keepAlive {
		name += "-close"
	}
	f, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		t.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// perRequest is the CPU name used per request, when it was measured.
func (r benchRounds) perRequest(name string) string {
	if r.served[name] == 0 {
		return "not measured"
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
	b.WriteString("    keepalive 512;\n  }\n")
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
