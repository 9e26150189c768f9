package soak_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

const (
	loadClients    = 50
	loadTCPClients = 5 // of the 50, over the daemon's 127.0.0.1 address rather than its socket
	// callLimit bounds one API call: far beyond any, it only tells a
	// deadlock from slowness. A launch waits for the engine to start its
	// container, and a busy engine starts 50 at once in minutes.
	callLimit = 10 * time.Minute
)

var loadGroups = []string{"ga", "gb"}

// TestIntegrationBenchLoad runs 50 API clients at once for 5 minutes
// (CATTLE_SOAK_LOAD overrides), launching and terminating instances,
// starting refreshes of two groups behind load balancers and reading
// state. No call may answer 5xx, fail to answer or hang; a refresh that
// conflicts with one in progress answers 409, as expected. Once the
// controllers settle, the daemon's instances and the engine's containers
// must match one for one. It prints calls, statuses and latency per route.
func TestIntegrationBenchLoad(t *testing.T) {
	s := benchSandbox(t)
	duration := envDuration(t, "CATTLE_SOAK_LOAD", 5*time.Minute)
	ctx := context.Background()
	webTemplate(t, s.Client)
	for _, g := range loadGroups {
		if _, err := s.Client.CreateLoadBalancer(ctx, elb.CreateRequest{Name: g}); err != nil {
			t.Fatal(err)
		}
		n := 2
		if _, err := s.Client.CreateGroup(ctx, autoscaling.GroupSpec{Name: g, Template: "web:1", Min: 0, Max: 4, Desired: &n,
			LoadBalancer: g, HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range loadGroups {
		waitGroupSettled(t, s.Client, g)
	}

	token, err := emulator.ReadToken(s.Daemon.Paths())
	if err != nil {
		t.Fatal(err)
	}
	rec := &callRecorder{routes: map[string]*routeStats{}}
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	for i := range loadClients {
		c := s.Daemon.Client()
		if i < loadTCPClients {
			c = api.NewHTTPClient(s.Daemon.APIAddr(), token)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &loadClient{c: c, rec: rec, rnd: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
			for time.Now().Before(stop) {
				cl.step()
				time.Sleep(time.Duration(cl.rnd.IntN(100)) * time.Millisecond)
			}
		}()
	}
	wg.Wait()

	for _, g := range loadGroups {
		waitGroupSettled(t, s.Client, g)
	}
	waitInstancesSettled(t, s.Client)
	t.Logf("%d clients (%d over TCP) for %s:\n%s", loadClients, loadTCPClients, duration, rec.table())
	t.Logf("refreshes: %s", refreshOutcomes(t, s.Client))
	t.Logf("engine consistency: %s", checkEngineConsistency(t, s))
	for _, problem := range rec.problems() {
		t.Error(problem)
	}
}

// loadClient is one API user: it launches an instance of its own and
// terminates it, starts refreshes and reads, at random.
type loadClient struct {
	c    *api.Client
	rec  *callRecorder
	rnd  *rand.Rand
	mine string // the instance it launched and has not terminated
}

func (l *loadClient) step() {
	group := loadGroups[l.rnd.IntN(len(loadGroups))]
	version := strconv.Itoa(1 + l.rnd.IntN(2))
	switch p := l.rnd.IntN(100); {
	case p < 15 && l.mine == "":
		l.call("POST /v1/instances", func(ctx context.Context) error {
			insts, err := l.c.RunInstances(ctx, api.RunInstancesRequest{Template: "web", Version: version, Count: 1})
			if err == nil && len(insts) == 1 {
				l.mine = insts[0].ID
			}
			return err
		})
	case p < 30 && l.mine != "":
		l.call("POST /v1/instances/terminate", func(ctx context.Context) error {
			_, err := l.c.Terminate(ctx, l.mine)
			if err == nil {
				l.mine = ""
			}
			return err
		})
	case p < 40:
		half := 50
		l.call("POST /v1/groups/{name}/refreshes", func(ctx context.Context) error {
			_, err := l.c.StartRefresh(ctx, group, autoscaling.RefreshSpec{TemplateVersion: version,
				MinHealthyPercentage: &half, InstanceWarmup: autoscaling.D(0)})
			return err
		})
	default:
		l.read(group)
	}
}

func (l *loadClient) read(group string) {
	switch l.rnd.IntN(6) {
	case 0:
		l.call("GET /v1/instances", func(ctx context.Context) error { _, err := l.c.Instances(ctx); return err })
	case 1:
		l.call("GET /v1/groups/{name}", func(ctx context.Context) error { _, err := l.c.Group(ctx, group); return err })
	case 2:
		l.call("GET /v1/groups/{name}/refreshes", func(ctx context.Context) error { _, err := l.c.Refreshes(ctx, group); return err })
	case 3:
		l.call("GET /v1/loadbalancers/{name}/targets", func(ctx context.Context) error { _, err := l.c.Targets(ctx, group); return err })
	case 4:
		l.call("GET /v1/status", func(ctx context.Context) error { _, err := l.c.Status(ctx); return err })
	default:
		l.call("GET /v1/groups", func(ctx context.Context) error { _, err := l.c.Groups(ctx); return err })
	}
}

// call makes one API call within callLimit and records its outcome.
func (l *loadClient) call(route string, do func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), callLimit)
	defer cancel()
	start := time.Now()
	err := do(ctx)
	took := time.Since(start)
	var apiErr *api.Error
	switch {
	case err == nil:
		l.rec.add(route, "200", took, nil)
	case errors.As(err, &apiErr):
		l.rec.add(route, strconv.Itoa(apiErr.Status), took, err)
	case errors.Is(err, context.DeadlineExceeded):
		l.rec.add(route, "stuck", took, fmt.Errorf("no answer within %s (started %s; goroutines then: %s)",
			callLimit, start.Format(time.TimeOnly), dumpGoroutines()))
	default:
		l.rec.add(route, "no answer", took, err)
	}
}

type routeStats struct {
	statuses  map[string]int
	latencies []time.Duration // of the calls that had an answer
}

// callRecorder gathers every call's status and latency by route, and the
// first unexpected outcome of each kind as evidence.
type callRecorder struct {
	mu         sync.Mutex
	routes     map[string]*routeStats
	unexpected []string
	seen       map[string]bool
}

func (r *callRecorder) add(route, status string, took time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.routes[route]
	if st == nil {
		st = &routeStats{statuses: map[string]int{}}
		r.routes[route] = st
	}
	st.statuses[status]++
	if status != "stuck" && status != "no answer" {
		st.latencies = append(st.latencies, took)
	}
	if status == "200" || (status == "409" && route == "POST /v1/groups/{name}/refreshes") {
		return
	}
	if key := route + " " + status; !r.seen[key] {
		if r.seen == nil {
			r.seen = map[string]bool{}
		}
		r.seen[key] = true
		r.unexpected = append(r.unexpected, fmt.Sprintf("%s answered %s: %v", route, status, err))
	}
}

func (r *callRecorder) problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.unexpected)
}

func (r *callRecorder) table() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	routes := make([]string, 0, len(r.routes))
	for k := range r.routes {
		routes = append(routes, k)
	}
	sort.Strings(routes)
	var b strings.Builder
	fmt.Fprintf(&b, "  %-38s %6s %9s %9s %9s  %s\n", "route", "calls", "p50", "p99", "max", "statuses")
	total := 0
	for _, route := range routes {
		st := r.routes[route]
		lat := slices.Clone(st.latencies)
		slices.Sort(lat)
		calls := 0
		for _, n := range st.statuses {
			calls += n
		}
		total += calls
		fmt.Fprintf(&b, "  %-38s %6d %9s %9s %9s  %s\n", route, calls, ms(nearestRank(lat, 50)), ms(nearestRank(lat, 99)),
			ms(nearestRank(lat, 100)), loadgen.SortedCounts(st.statuses))
	}
	fmt.Fprintf(&b, "  %-38s %6d\n", "all", total)
	return b.String()
}

func nearestRank(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(1, (p*len(sorted)+99)/100)-1]
}

// dumpGoroutines writes every goroutine's stack to a file, once, as
// evidence of where a stuck call waits, and returns the file's path.
var dumpGoroutines = sync.OnceValue(func() string {
	f, err := os.CreateTemp("", "cattle-load-stuck-*.txt")
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	_ = pprof.Lookup("goroutine").WriteTo(f, 2)
	return f.Name()
})

func ms(d time.Duration) string {
	if d >= time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}

// waitGroupSettled waits until the group has no refresh in progress and
// its desired capacity of running, healthy instances.
func waitGroupSettled(t *testing.T, c *api.Client, name string) {
	t.Helper()
	waitFor(t, "group "+name+" settled", func() (bool, error) {
		g, err := c.Group(context.Background(), name)
		if err != nil || g.Refresh != nil || g.Healthy != g.Desired || len(g.Instances) != g.Desired {
			return false, err
		}
		for _, i := range g.Instances {
			if i.State != compute.StateRunning {
				return false, nil
			}
		}
		return true, nil
	})
}

// waitInstancesSettled waits until no instance is on its way in or out.
func waitInstancesSettled(t *testing.T, c *api.Client) {
	t.Helper()
	waitFor(t, "every instance running or terminated", func() (bool, error) {
		insts, err := c.Instances(context.Background())
		if err != nil {
			return false, err
		}
		for _, i := range insts {
			if i.State != compute.StateRunning && i.State != compute.StateTerminated {
				return false, nil
			}
		}
		return true, nil
	})
}

// refreshOutcomes counts the groups' refreshes by final status.
func refreshOutcomes(t *testing.T, c *api.Client) string {
	t.Helper()
	counts := map[string]int{}
	for _, g := range loadGroups {
		rs, err := c.Refreshes(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			counts[r.Status]++
		}
	}
	return loadgen.SortedCounts(counts)
}
