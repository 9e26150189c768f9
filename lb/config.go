package lb

import (
	"fmt"
	"time"
)

// Algorithm is how a target group picks a target for a request.
type Algorithm string

// The routing algorithms of an ALB target group.
const (
	RoundRobin               Algorithm = "round_robin"
	LeastOutstandingRequests Algorithm = "least_outstanding_requests"
)

func (a Algorithm) validate() error {
	switch a {
	case "", RoundRobin, LeastOutstandingRequests:
		return nil
	}
	return fmt.Errorf("unknown algorithm %q: use %q or %q", a, RoundRobin, LeastOutstandingRequests)
}

// TargetGroupConfig configures a target group.
type TargetGroupConfig struct {
	Name        string
	HealthCheck HealthCheck
	// DeregistrationDelay is the longest a deregistered target drains; 0
	// means it is unused at once (as in AWS), in-flight requests or not.
	DeregistrationDelay time.Duration
	// SlowStart ramps a newly healthy target's share linearly over this
	// time; 0 turns it off. It cannot be combined with
	// least_outstanding_requests.
	SlowStart time.Duration
	// Algorithm "" takes the load balancer's Config.Algorithm.
	Algorithm Algorithm
	// OnHealthChange, when set, is told of every change of a target's
	// state or reason, from its registration on, with the state it left
	// ("" at registration). It is called with the group's lock held: it
	// must return quickly and not call the group.
	OnHealthChange func(prev TargetState, h TargetHealth)
}

func (c TargetGroupConfig) normalized() (TargetGroupConfig, statusMatcher, error) {
	c.HealthCheck = c.HealthCheck.withDefaults()
	fail := func(err error) (TargetGroupConfig, statusMatcher, error) {
		return c, nil, fmt.Errorf("target group %q: %w", c.Name, err)
	}
	if c.Name == "" {
		return fail(fmt.Errorf("a target group needs a name"))
	}
	if err := c.HealthCheck.validate(); err != nil {
		return fail(err)
	}
	if err := c.Algorithm.validate(); err != nil {
		return fail(err)
	}
	if c.DeregistrationDelay < 0 || c.SlowStart < 0 {
		return fail(fmt.Errorf("deregistration delay %s and slow start %s cannot be negative", c.DeregistrationDelay, c.SlowStart))
	}
	if c.SlowStart > 0 && c.Algorithm == LeastOutstandingRequests {
		return fail(fmt.Errorf("slow start cannot be combined with %s (as in AWS): set SlowStart to 0 or use %s", LeastOutstandingRequests, RoundRobin))
	}
	m, err := parseMatcher(c.HealthCheck.Matcher)
	if err != nil {
		return fail(err)
	}
	return c, m, nil
}

// Config configures a load balancer (one listener).
type Config struct {
	Name string
	// Addr is where to listen: "127.0.0.1:0" (any free port), "127.0.0.1:8080",
	// ":8080" or "8080". Only loopback addresses are accepted.
	Addr string
	// Algorithm is the default for target groups that do not set their own;
	// "" means round_robin.
	Algorithm Algorithm
	// IdleTimeout closes client connections idle this long (default 60s, as
	// an ALB).
	IdleTimeout time.Duration
	// TargetTimeout is how long a target may take to start its response
	// before the client gets 504 (default 30s).
	TargetTimeout time.Duration
}

// Defaults of Config.
const (
	DefaultIdleTimeout   = 60 * time.Second
	DefaultTargetTimeout = 30 * time.Second
)

func (c Config) normalized() (Config, error) {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.Algorithm == "" {
		c.Algorithm = RoundRobin
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.TargetTimeout == 0 {
		c.TargetTimeout = DefaultTargetTimeout
	}
	if err := c.Algorithm.validate(); err != nil {
		return c, fmt.Errorf("load balancer %q: %w", c.Name, err)
	}
	if c.IdleTimeout < 0 || c.TargetTimeout < 0 {
		return c, fmt.Errorf("load balancer %q: idle timeout %s and target timeout %s cannot be negative", c.Name, c.IdleTimeout, c.TargetTimeout)
	}
	return c, nil
}
