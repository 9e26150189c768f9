package lb

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HealthCheck says how a target group checks its targets. Zero fields take
// the value of the fast profile (FastHealthCheck).
type HealthCheck struct {
	Path    string // default "/"
	Matcher string // status codes that pass: "200" (default), "200-299", "200,204"
	Port    int    // 0 = the target's traffic port

	Interval, Timeout time.Duration
	// HealthyThreshold consecutive successes make a target healthy;
	// UnhealthyThreshold consecutive failures make it unhealthy.
	HealthyThreshold, UnhealthyThreshold int
}

// FastHealthCheck is cattle's default "fast" timing profile: AWS's rules on a
// shorter clock.
func FastHealthCheck() HealthCheck {
	return HealthCheck{
		Path: "/", Matcher: "200",
		Interval: time.Second, Timeout: 500 * time.Millisecond,
		HealthyThreshold: 2, UnhealthyThreshold: 2,
	}
}

// Deregistration delays of the two timing profiles.
const (
	FastDeregistrationDelay = 2 * time.Second
	AWSDeregistrationDelay  = 300 * time.Second
)

// withDefaults fills zero fields from the fast profile.
func (h HealthCheck) withDefaults() HealthCheck {
	d := FastHealthCheck()
	if h.Path == "" {
		h.Path = d.Path
	}
	if h.Matcher == "" {
		h.Matcher = d.Matcher
	}
	if h.Interval == 0 {
		h.Interval = d.Interval
	}
	if h.Timeout == 0 {
		h.Timeout = d.Timeout
	}
	if h.HealthyThreshold == 0 {
		h.HealthyThreshold = d.HealthyThreshold
	}
	if h.UnhealthyThreshold == 0 {
		h.UnhealthyThreshold = d.UnhealthyThreshold
	}
	return h
}

func (h HealthCheck) validate() error {
	switch {
	case !strings.HasPrefix(h.Path, "/"):
		return fmt.Errorf("health check path %q must start with /", h.Path)
	case h.Port < 0 || h.Port > 65535:
		return fmt.Errorf("health check port %d is out of range: use 1-65535, or 0 for the traffic port", h.Port)
	case h.Interval < 0 || h.Timeout < 0:
		return fmt.Errorf("health check interval %s and timeout %s must be positive", h.Interval, h.Timeout)
	case h.Timeout >= h.Interval:
		return fmt.Errorf("health check timeout %s must be shorter than the interval %s", h.Timeout, h.Interval)
	case h.HealthyThreshold < 1 || h.UnhealthyThreshold < 1:
		return fmt.Errorf("health check thresholds must be at least 1 (healthy %d, unhealthy %d)", h.HealthyThreshold, h.UnhealthyThreshold)
	}
	_, err := parseMatcher(h.Matcher)
	return err
}

// statusMatcher holds the inclusive code ranges that pass a health check.
type statusMatcher [][2]int

func (m statusMatcher) match(code int) bool {
	for _, r := range m {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

// parseMatcher reads AWS's matcher syntax: codes and ranges joined by
// commas, each code within 200-499 as for an ALB.
func parseMatcher(s string) (statusMatcher, error) {
	var m statusMatcher
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, errA := strconv.Atoi(strings.TrimSpace(lo))
		b, errB := a, error(nil)
		if isRange {
			b, errB = strconv.Atoi(strings.TrimSpace(hi))
		}
		if errA != nil || errB != nil || a > b || a < 200 || b > 499 {
			return nil, fmt.Errorf("health check matcher %q: %q is not a code or range within 200-499 (use e.g. \"200\", \"200-299\" or \"200,204\")", s, part)
		}
		m = append(m, [2]int{a, b})
	}
	return m, nil
}
