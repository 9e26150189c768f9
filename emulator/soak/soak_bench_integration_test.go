package soak_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

const (
	soakGroup     = "web"
	soakSize      = 10
	soakScaledOut = 14
	soakRate      = 100 // GET requests a second through the load balancer
)

// TestIntegrationBenchSoak runs a chaos loop on a group of 10 behind a
// load balancer under constant load for 30 minutes (CATTLE_SOAK_DURATION
// overrides): scale out to 14 and back, killing a container meanwhile,
// refresh to the other template version, kill another container. Every
// request of the load must succeed and the group must end healthy at its
// desired capacity. It prints the process's memory and goroutines each
// minute, for flatness to be judged; it asserts nothing on them.
func TestIntegrationBenchSoak(t *testing.T) {
	s := benchSandbox(t)
	duration := envDuration(t, "CATTLE_SOAK_DURATION", 30*time.Minute)
	ctx := context.Background()
	lbAddr := soakSetup(t, s.Client)
	ch := &chaos{t: t, s: s, c: s.Client, outcomes: map[string]int{}}
	ch.waitSteady(soakSize)

	load := &steadyLoad{url: "http://" + lbAddr + "/", outcomes: map[string]int{}}
	load.start(ctx, t)
	ch.cycle() // warm-up: every path taken once before the first figures
	meter := startMeter(t, load, &ch.cycles)

	start := time.Now()
	for time.Since(start) < duration {
		ch.cycle()
	}
	ch.waitSteady(soakSize)
	rows := meter.stop()
	load.stopAndFold()
	rows = append(rows, soakRow{memSample: sampleMemory("end"), requests: load.requests, failed: load.failed,
		cycles: int(ch.cycles.Load())})

	t.Logf("soak of %s after a warm-up cycle: %d cycles (each: scale 10 -> 14, a kill, back to 10, a refresh, a kill); "+
		"%d refreshes %s and %d containers killed in all", time.Since(start).Round(time.Second), ch.cycles.Load()-1, ch.refreshes,
		loadgen.SortedCounts(ch.outcomes), ch.kills)
	t.Logf("memory and goroutines of the process (daemon, load generator and test), after a collection:\n%s", table(rows))
	t.Logf("load at %d/s through the load balancer: %d requests, %d failed, outcomes %s",
		soakRate, load.requests, load.failed, loadgen.SortedCounts(load.outcomes))
	t.Logf("engine consistency: %s", checkEngineConsistency(t, s))
	if load.failed > 0 {
		t.Errorf("%d of %d idempotent requests failed; first: %+v", load.failed, load.requests, *load.firstFailure)
	}
}

// soakSetup makes the template, the load balancer and the group of 10,
// and returns the load balancer's address.
func soakSetup(t *testing.T, c *api.Client) string {
	t.Helper()
	ctx := context.Background()
	webTemplate(t, c)
	lb, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: soakGroup})
	if err != nil {
		t.Fatal(err)
	}
	n := soakSize
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: soakGroup, Template: "web:1", Min: 0, Max: soakScaledOut,
		Desired: &n, LoadBalancer: soakGroup, HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	return lb.Address
}

// chaos drives the group through its cycle and counts what it did.
type chaos struct {
	t         *testing.T
	s         *emulatortest.Sandbox
	c         *api.Client
	cycles    atomic.Int64
	refreshes int
	outcomes  map[string]int // refreshes by final status
	kills     int
}

func (ch *chaos) cycle() {
	ch.scale(soakScaledOut)
	ch.waitSteady(soakScaledOut)
	ch.kill() // and scale in before the group has replaced it
	ch.scale(soakSize)
	ch.waitSteady(soakSize)
	ch.refresh()
	victim := ch.kill()
	ch.waitFor("killed instance "+victim+" terminated", func() (bool, error) {
		i, err := ch.c.Instance(context.Background(), victim)
		return err == nil && i.State == compute.StateTerminated, err
	})
	ch.waitSteady(soakSize)
	ch.cycles.Add(1)
}

func (ch *chaos) waitFor(what string, cond func() (bool, error)) {
	ch.t.Helper()
	waitFor(ch.t, what, cond)
}

func (ch *chaos) scale(n int) {
	ch.t.Helper()
	if _, err := ch.c.ScaleGroup(context.Background(), soakGroup, autoscaling.ScaleSpec{Desired: &n}); err != nil {
		ch.t.Fatalf("scaling to %d: %v", n, err)
	}
}

// waitSteady waits until the group has n instances, all running and
// healthy, and no refresh in progress.
func (ch *chaos) waitSteady(n int) {
	ch.t.Helper()
	ch.waitFor(fmt.Sprintf("group %s steady at %d healthy", soakGroup, n), func() (bool, error) {
		g, err := ch.c.Group(context.Background(), soakGroup)
		if err != nil || g.Desired != n || g.Healthy != n || len(g.Instances) != n || g.Refresh != nil {
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

// refresh replaces the group's instances with the other template version
// and waits until the refresh succeeds.
func (ch *chaos) refresh() {
	ch.t.Helper()
	ctx := context.Background()
	version := []string{"2", "1"}[ch.refreshes%2]
	minHealthy := 80
	r, err := ch.c.StartRefresh(ctx, soakGroup, autoscaling.RefreshSpec{TemplateVersion: version, MinHealthyPercentage: &minHealthy})
	if err != nil {
		ch.t.Fatalf("starting a refresh to version %s: %v", version, err)
	}
	ch.refreshes++
	ch.waitFor("refresh "+r.ID+" done", func() (bool, error) {
		rs, err := ch.c.Refreshes(ctx, soakGroup)
		for _, x := range rs {
			if x.ID == r.ID {
				r = x
			}
		}
		return err == nil && autoscaling.Done(r.Status), err
	})
	ch.outcomes[r.Status]++
	if r.Status != autoscaling.RefreshSuccessful {
		// A refresh may fail by the rules (an instance not in service in
		// time on a starved machine); the group must still recover.
		ch.t.Logf("refresh %s to version %s ended %s: %s", r.ID, version, r.Status, r.StatusReason)
	}
}

// kill kills one running instance's container through the engine, behind
// the daemon's back, and returns the instance's id.
func (ch *chaos) kill() string {
	ch.t.Helper()
	ctx := context.Background()
	g, err := ch.c.Group(ctx, soakGroup)
	if err != nil {
		ch.t.Fatal(err)
	}
	var running []compute.Instance
	for _, i := range g.Instances {
		if i.State == compute.StateRunning && i.ContainerID != "" {
			running = append(running, i)
		}
	}
	if len(running) == 0 {
		ch.t.Fatalf("no running instance to kill in group %s", soakGroup)
	}
	victim := running[rand.IntN(len(running))]
	if err := ch.s.Runtime.Kill(ctx, victim.ContainerID, ""); err != nil {
		ch.t.Fatalf("killing instance %s's container: %v", victim.ID, err)
	}
	ch.kills++
	return victim.ID
}

// steadyLoad is a constant load sent in stretches, each summed up and its
// records dropped when the next begins: an hour of records would
// otherwise weigh on the memory figures.
type steadyLoad struct {
	url          string
	cur          *loadgen.Load
	requests     int
	failed       int
	outcomes     map[string]int
	firstFailure *loadgen.Record
}

func (l *steadyLoad) start(ctx context.Context, t *testing.T) {
	ld, err := loadgen.Start(ctx, loadgen.Config{Name: "soak", URL: l.url, Freq: soakRate, Per: time.Second})
	if err != nil {
		t.Error(err)
		return
	}
	l.cur = ld
}

func (l *steadyLoad) stopAndFold() {
	if l.cur == nil {
		return
	}
	l.cur.Stop()
	for _, r := range l.cur.Records() {
		l.requests++
		l.outcomes[r.Outcome()]++
		if r.Failed() {
			l.failed++
			if l.firstFailure == nil {
				l.firstFailure = &r
			}
		}
	}
	l.cur = nil
}

type soakRow struct {
	memSample
	requests, failed, cycles int
}

// meter takes a row each minute: it ends the load's stretch, samples the
// memory with no request in flight, and starts the next stretch.
type meter struct {
	rows []soakRow
	quit chan struct{}
	done chan struct{}
}

func startMeter(t *testing.T, load *steadyLoad, cycles *atomic.Int64) *meter {
	m := &meter{quit: make(chan struct{}), done: make(chan struct{})}
	row := func(label string) soakRow {
		return soakRow{memSample: sampleMemory(label), requests: load.requests, failed: load.failed, cycles: int(cycles.Load())}
	}
	load.stopAndFold()
	m.rows = append(m.rows, row("start"))
	load.start(context.Background(), t)
	go func() {
		defer close(m.done)
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for minute := 1; ; minute++ {
			select {
			case <-m.quit:
				return
			case <-tick.C:
			}
			load.stopAndFold()
			r := row(fmt.Sprintf("%d min", minute))
			m.rows = append(m.rows, r)
			load.start(context.Background(), t)
			t.Logf("%s: heap in use %s, sys %s, %d goroutines, %d requests, %d failed, %d cycles",
				r.Label, mib(r.HeapInuse), mib(r.Sys), r.Goroutines, r.requests, r.failed, r.cycles)
		}
	}()
	return m
}

// stop ends the meter and returns its rows; the load keeps running.
func (m *meter) stop() []soakRow {
	close(m.quit)
	<-m.done
	return m.rows
}

func table(rows []soakRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %-8s %12s %12s %10s %9s %7s %7s\n", "at", "heap in use", "sys", "goroutines", "requests", "failed", "cycles")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-8s %12s %12s %10d %9d %7d %7d\n", r.Label, mib(r.HeapInuse), mib(r.Sys), r.Goroutines,
			r.requests, r.failed, r.cycles)
	}
	return b.String()
}
