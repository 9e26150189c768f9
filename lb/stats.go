package lb

import "sync/atomic"

// Error causes, the keys of Stats.Errors and TargetStats.Errors.
const (
	CauseNoTargets    = "no_targets"    // 503: nothing to route to
	CauseConnect      = "connect"       // 502: the target refused the connection
	CauseTimeout      = "timeout"       // 504: the target did not answer in time
	CauseTargetError  = "target_error"  // 502: the target broke the connection or the response
	CauseClientCancel = "client_cancel" // the client went away; no response was sent
)

// Stats is a snapshot of a load balancer's counters. Requests counts
// finished requests; each ended as either a response (counted by class in
// Responses, including the 502, 503 and 504 the load balancer makes itself)
// or a client_cancel, so Requests = sum(Responses) + Errors["client_cancel"].
// Errors says why a 5xx came from the load balancer, or that the client
// went away.
type Stats struct {
	Requests          int64
	Responses         map[string]int64 // "1xx".."5xx"
	Errors            map[string]int64 // by cause; see Cause*
	ActiveConnections int64            // client connections open now
	Latency           Histogram        // from request to end of response, client_cancel excluded
	Targets           map[string]TargetStats
}

// TargetStats counts the requests routed to one target, by target id.
type TargetStats struct {
	Requests  int64
	Responses map[string]int64
	Errors    map[string]int64
	Active    int64 // requests in flight (outstanding) now
}

var (
	classNames = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}
	causeNames = [...]string{CauseNoTargets, CauseConnect, CauseTimeout, CauseTargetError, CauseClientCancel}
)

type cause uint8

const (
	noCause cause = iota
	causeNoTargets
	causeConnect
	causeTimeout
	causeTargetError
	causeClientCancel
)

// counters are the live, lock-free side of Stats and TargetStats.
type counters struct {
	requests  atomic.Int64
	responses [len(classNames)]atomic.Int64
	errors    [len(causeNames)]atomic.Int64
}

// record counts one finished request: its status (0 if none was sent) and
// its error cause (noCause if none).
func (c *counters) record(status int, why cause) {
	c.requests.Add(1)
	if why != noCause {
		c.errors[why-1].Add(1)
	}
	if i := status/100 - 1; status > 0 && i >= 0 && i < len(classNames) {
		c.responses[i].Add(1)
	}
}

func (c *counters) snapshot() (requests int64, responses, errs map[string]int64) {
	responses = make(map[string]int64, len(classNames))
	for i, n := range classNames {
		responses[n] = c.responses[i].Load()
	}
	errs = make(map[string]int64, len(causeNames))
	for i, n := range causeNames {
		errs[n] = c.errors[i].Load()
	}
	return c.requests.Load(), responses, errs
}

func (t *target) stats() TargetStats {
	s := TargetStats{Active: t.inflight.Load()}
	s.Requests, s.Responses, s.Errors = t.counters.snapshot()
	return s
}

// add merges o into s (one id in several groups).
func (s TargetStats) add(o TargetStats) TargetStats {
	s.Requests += o.Requests
	s.Active += o.Active
	for k, v := range o.Responses {
		s.Responses[k] += v
	}
	for k, v := range o.Errors {
		s.Errors[k] += v
	}
	return s
}

// TargetStats returns the counters of every target the group still knows
// of (draining ones too), by target id: a target group's own per-target
// metrics, whichever load balancers forward to it.
func (g *TargetGroup) TargetStats() map[string]TargetStats {
	g.mu.Lock()
	ts := g.allLocked()
	g.mu.Unlock()
	out := make(map[string]TargetStats, len(ts))
	for _, t := range ts {
		if prev, ok := out[t.id]; ok {
			out[t.id] = prev.add(t.stats())
		} else {
			out[t.id] = t.stats()
		}
	}
	return out
}
