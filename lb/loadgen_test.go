package lb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// loadRun is what one load test measured.
type loadRun struct {
	requests   int64
	throughput float64 // requests per second
	p50, p99   time.Duration
	failures   int64 // non-2xx responses and socket errors
}

func (r loadRun) String() string {
	return fmt.Sprintf("%9.0f req/s  p50 %8s  p99 %8s  %d requests, %d failed",
		r.throughput, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.requests, r.failures)
}

// loadTool drives a URL with a fixed number of connections for a time.
type loadTool interface {
	name() string
	// run drives url with conns connections for d; without keepAlive,
	// every request asks for its connection to close after the answer,
	// so each one comes on a new connection.
	run(ctx context.Context, url string, conns int, d time.Duration, keepAlive bool) (loadRun, error)
}

// wrkTool runs Debian's wrk: -t2 -c<conns> -d<d> --latency, with
// "Connection: close" as a header when not keep-alive.
type wrkTool struct{ path string }

func (w wrkTool) name() string { return "wrk" }

var (
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkTotal    = regexp.MustCompile(`(\d+) requests in`)
	wrkQuantile = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func (w wrkTool) run(ctx context.Context, url string, conns int, d time.Duration, keepAlive bool) (loadRun, error) {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	args := []string{"-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(d.Seconds())), "--latency"}
	if !keepAlive {
		args = append(args, "-H", "Connection: close")
	}
	out, err := exec.CommandContext(ctx, w.path, append(args, url)...).CombinedOutput()
	if err != nil {
		return loadRun{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	return parseWrk(string(out))
}

func parseWrk(out string) (loadRun, error) {
	var r loadRun
	m := wrkRate.FindStringSubmatch(out)
	n := wrkTotal.FindStringSubmatch(out)
	if m == nil || n == nil {
		return r, fmt.Errorf("wrk output without a request rate:\n%s", out)
	}
	r.throughput, _ = strconv.ParseFloat(m[1], 64)
	r.requests, _ = strconv.ParseInt(n[1], 10, 64)
	for _, q := range wrkQuantile.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(q[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[q[3]]
		d := time.Duration(v * float64(unit))
		if q[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.p99 == 0 {
		return r, fmt.Errorf("wrk output without a 99%% latency:\n%s", out)
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		v, _ := strconv.ParseInt(m[1], 10, 64)
		r.failures += v
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			v, _ := strconv.ParseInt(s, 10, 64)
			r.failures += v
		}
	}
	return r, nil
}

// goLoad is the stand-in for wrk: a closed loop of conns workers, each on
// its own connection (a new one per request when not keep-alive), sending
// the next request when the last one is answered.
type goLoad struct{}

func (goLoad) name() string { return "go closed loop" }

func (goLoad) run(ctx context.Context, url string, conns int, d time.Duration, keepAlive bool) (loadRun, error) {
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
		DisableKeepAlives: !keepAlive}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	const maxSamples = 1 << 20 // per worker cap keeps memory bounded
	var (
		mu       sync.Mutex
		all      []time.Duration
		failures int64
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var failed int64
			for ctx.Err() == nil && len(lat) < maxSamples {
				t0 := time.Now()
				resp, err := c.Get(url)
				if err != nil {
					if ctx.Err() == nil {
						failed++
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode/100 != 2 {
					failed++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			failures += failed
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(all) == 0 {
		return loadRun{}, fmt.Errorf("no request to %s succeeded", url)
	}
	slices.Sort(all)
	at := func(q float64) time.Duration { return all[min(len(all)-1, int(q*float64(len(all))))] }
	return loadRun{
		requests:   int64(len(all)),
		throughput: float64(len(all)) / elapsed.Seconds(),
		p50:        at(0.50), p99: at(0.99),
		failures: failures,
	}, nil
}

// pickLoadTool prefers wrk, as its numbers are the ones people quote;
// CATTLE_BENCH_TOOL=go picks the Go closed loop anyway.
func pickLoadTool() loadTool {
	if os.Getenv("CATTLE_BENCH_TOOL") == "go" {
		return goLoad{}
	}
	if p, err := lookPath("wrk"); err == nil {
		return wrkTool{path: p}
	}
	return goLoad{}
}

// lookPath also looks in the sbin folders, which a non-root PATH may lack
// (Debian installs nginx in /usr/sbin).
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		if p, err := exec.LookPath(dir + "/" + name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed (looked in PATH and %s)", name, strings.Join([]string{"/usr/sbin", "/usr/local/sbin", "/sbin"}, ", "))
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
