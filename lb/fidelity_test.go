package lb

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// Every change of a target's state or reason is reported, with AWS's
// reason codes, from registration to unused.
func TestEveryTargetStateChangeIsReported(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	g := newGroup(t, TargetGroupConfig{OnHealthChange: func(prev TargetState, h TargetHealth) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%s>%s %s", prev, h.State, h.Reason))
	}})
	a := newBackend(t, "i-a")
	register(t, g, a)
	waitState(t, g, StateHealthy, "i-a")
	a.healthStatus.Store(http.StatusInternalServerError)
	waitState(t, g, StateUnhealthy, "i-a")
	a.healthStatus.Store(http.StatusOK)
	waitState(t, g, StateHealthy, "i-a")
	<-g.Deregister("i-a")
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		">initial Elb.RegistrationInProgress",
		"initial>initial Elb.InitialHealthChecking",
		"initial>healthy ",
		"healthy>unhealthy Target.ResponseCodeMismatch",
		"unhealthy>healthy ",
		"healthy>draining Target.DeregistrationInProgress",
		"draining>unused Target.NotRegistered",
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("changes reported:\n  %q\nwant\n  %q", seen, want)
	}
}

// With no algorithm set anywhere, requests go round robin: a target busy
// with a held request still gets its turn, which least outstanding
// requests would give to the idle one.
func TestRoundRobinIsTheDefault(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	a, b := newBackend(t, "i-a"), newBackend(t, "i-b")
	register(t, g, a, b)
	waitState(t, g, StateHealthy, "i-a", "i-b")
	l := startLB(t, Config{}, Forward{Group: g})
	c := newClient()
	go func() { _, _ = tryGet(context.Background(), c, l, "/", http.Header{"X-Hold": {"1"}}) }()
	busy := a
	select {
	case <-a.held:
	case <-b.held:
		busy = b
	}
	got := map[string]int{}
	for range 4 {
		got[get(t, c, l, "/").target]++
	}
	if got[busy.id] != 2 {
		t.Fatalf("requests by target %v: want 2 of 4 to the busy %s, as round robin sends them", got, busy.id)
	}
	a.releaseAll()
	b.releaseAll()
}

// A target that finished draining is listed as unused for a while, then
// leaves the listing: deregistered targets do not pile up.
func TestUnusedTargetsLeaveTheListing(t *testing.T) {
	was := unusedVisibleFor
	unusedVisibleFor = 50 * time.Millisecond
	t.Cleanup(func() { unusedVisibleFor = was })
	g := newGroup(t, TargetGroupConfig{})
	a, b := newBackend(t, "i-a"), newBackend(t, "i-b")
	register(t, g, a, b)
	<-g.Deregister("i-a")
	if h := healthOf(g, "i-a"); h.State != StateUnused || h.Reason != ReasonNotRegistered {
		t.Fatalf("a target that finished draining: %+v, want unused (Target.NotRegistered)", h)
	}
	eventually(t, "the unused target leaves the listing", func() bool {
		hs := g.Health()
		return len(hs) == 1 && hs[0].ID == "i-b"
	})
}
