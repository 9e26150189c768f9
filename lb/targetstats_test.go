package lb

import "testing"

// TestTargetStatsCountsTheGroupsOwnTargets: a target group's counters
// come from its own targets, whichever load balancer sends the requests.
func TestTargetStatsCountsTheGroupsOwnTargets(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	bs := []*backend{newBackend(t, "i-a"), newBackend(t, "i-b")}
	register(t, g, bs...)
	waitState(t, g, StateHealthy, "i-a", "i-b")
	l := startLB(t, Config{}, Forward{Group: g})

	served := spread(t, l, 100, 4)
	// A request is counted once its response is written out, a moment
	// after the client has it.
	eventually(t, "every request counted", func() bool {
		ts := g.TargetStats()
		for _, b := range bs {
			if ts[b.id].Requests != int64(served[b.id]) {
				return false
			}
		}
		return true
	})
	<-g.Deregister("i-a")
	if _, ok := g.TargetStats()["i-a"]; !ok {
		t.Error("a target that finished draining lost its counters at once")
	}
}
