package autoscaling

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/sandbox"
)

// waitRun polls (in tiny real-time steps) until cond holds; with advance
// it moves the fake clock whenever Run sleeps on it with nothing under way.
func (h *harness) waitRun(what string, advance bool, cond func() bool) {
	h.t.Helper()
	guard := time.Now().Add(30 * time.Second) // against a hang, not a measure
	for !cond() {
		if time.Now().After(guard) {
			h.t.Fatalf("%s: not reached\n%s", what, h.dump())
		}
		if advance && h.clock.Waiters() > 0 && h.svc.activities() == 0 {
			h.clock.Advance(step)
		}
		time.Sleep(time.Millisecond)
	}
	h.checkInvariants()
}

func TestRunResumesARefreshAndReactsToNotify(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.crash() // the refresh is left Pending in the store

	runCtx, stop := context.WithCancel(h.ctx)
	done := make(chan struct{})
	go func() { h.svc.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	h.waitRun("resumed", false, func() bool { return len(h.events(EventRefreshResumed)) == 1 })
	if e := h.events(EventRefreshResumed)[0]; !strings.Contains(e.Message, "resumed after a daemon restart: Pending") {
		t.Errorf("resume event: %s", e.Message)
	}
	h.waitRun("refresh done", true, func() bool { return h.refresh().Status == RefreshSuccessful })

	// A process that dies is replaced on the notification its state
	// change sends, with the clock standing still.
	victim := h.members()[0]
	h.rt.SetState(victim.ContainerID, sandbox.StateExited, 1)
	if err := h.compute.Reconcile(h.ctx, false); err != nil {
		t.Fatal(err)
	}
	h.waitRun("replacement launched", false, func() bool {
		m := h.members()
		return len(m) == 2 && !slices.Contains(ids(m), victim.ID)
	})
	stop()
	<-done
	if n := h.svc.activities(); n != 0 {
		t.Errorf("Run returned with %d activities in flight", n)
	}
}
