package lb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// checkResult is the outcome of one health check.
type checkResult struct {
	ok          bool
	reason      string // AWS reason code of a failure
	description string
}

// runChecks checks t every interval, the first time at once, until ctx ends
// (deregistration or Close).
func (g *TargetGroup) runChecks(ctx context.Context, t *target) {
	defer g.wg.Done()
	// A fresh connection per check (no keep-alive): a check must see what a
	// new client would, e.g. a listener that stopped accepting.
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	g.markChecking(t)
	for {
		hc, m, changed := g.checkSettings()
		client.Timeout = hc.Timeout
		start := time.Now()
		res := check(ctx, client, withPort(t.address, hc.Port), hc.Path, m)
		if ctx.Err() != nil || !g.apply(t, res, hc) {
			return
		}
		timer := time.NewTimer(hc.Interval - time.Since(start))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-changed:
			timer.Stop()
		case <-timer.C:
		}
	}
}

func (g *TargetGroup) checkSettings() (HealthCheck, statusMatcher, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cfg.HealthCheck, g.matcher, g.changed
}

func (g *TargetGroup) markChecking(t *target) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.health.State == StateInitial {
		t.setHealth(StateInitial, ReasonInitialHealthChecking, "Initial health checks in progress")
	}
}

// check sends one health check request.
func check(ctx context.Context, c *http.Client, addr, path string, m statusMatcher) checkResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return checkResult{reason: ReasonFailedHealthChecks, description: err.Error()}
	}
	req.Header.Set("User-Agent", "ELB-HealthChecker/2.0")
	resp, err := c.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return checkResult{reason: ReasonTimeout, description: "Request timed out"}
		}
		return checkResult{reason: ReasonFailedHealthChecks, description: "Health checks failed: " + unwrapAll(err).Error()}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if !m.match(resp.StatusCode) {
		return checkResult{reason: ReasonResponseCodeMismatch,
			description: fmt.Sprintf("Health checks failed with these codes: [%d]", resp.StatusCode)}
	}
	return checkResult{ok: true}
}

// unwrapAll digs to the innermost error ("connection refused") so the
// description stays short.
func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// apply counts a result against the thresholds and moves t between
// initial, healthy and unhealthy. It reports false when t is no longer
// registered, which ends its checker.
func (g *TargetGroup) apply(t *target, res checkResult, hc HealthCheck) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active[t.id] != t {
		return false
	}
	was := t.health.State
	if res.ok {
		t.failures = 0
		t.successes++
		if was != StateHealthy && t.successes >= hc.HealthyThreshold {
			g.startSlowStartLocked(t)
			t.setHealth(StateHealthy, "", "")
		}
	} else {
		t.successes = 0
		t.failures++
		if was == StateUnhealthy || t.failures >= hc.UnhealthyThreshold {
			t.slowStartEnd = time.Time{}
			t.setHealth(StateUnhealthy, res.reason, res.description)
		}
	}
	if t.health.State != was {
		g.rebuildLocked()
	}
	return true
}

// startSlowStartLocked puts a newly healthy target in slow start, unless
// it would be the only healthy one (AWS: slow start needs another target
// to carry the load).
func (g *TargetGroup) startSlowStartLocked(t *target) {
	if g.cfg.SlowStart <= 0 {
		return
	}
	for _, o := range g.active {
		if o != t && o.health.State == StateHealthy {
			t.slowStartEnd = time.Now().Add(g.cfg.SlowStart)
			return
		}
	}
}
