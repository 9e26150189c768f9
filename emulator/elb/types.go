// Package elb is the control plane of the load balancers: their records in
// the store, and the live data plane (package lb) they drive. Each load
// balancer has one listener and a target group of the same name; it can
// also forward, by weight, to other load balancers' target groups (blue/green,
// canary).
package elb

import (
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
)

const kindLoadBalancer = "load_balancers"

// Duration is timing.Duration: text in JSON ("1.5s"), a bare number is
// seconds.
type Duration = timing.Duration

// HealthCheck is a target group's health check; zero fields take the
// sandbox's timing profile.
type HealthCheck struct {
	Path               string   `json:"path,omitempty"`
	Matcher            string   `json:"matcher,omitempty"`
	Port               int      `json:"port,omitempty"`
	Interval           Duration `json:"interval,omitempty"`
	Timeout            Duration `json:"timeout,omitempty"`
	HealthyThreshold   int      `json:"healthy_threshold,omitempty"`
	UnhealthyThreshold int      `json:"unhealthy_threshold,omitempty"`
}

// Forward sends a share of the requests to a load balancer's target group.
type Forward struct {
	TargetGroup string `json:"target_group"`
	Weight      int    `json:"weight"`
}

// LoadBalancer is a load balancer's record.
type LoadBalancer struct {
	Name                string      `json:"name"`
	Address             string      `json:"address"` // 127.0.0.1:port
	Port                int         `json:"port"`
	Algorithm           string      `json:"algorithm"`
	HealthCheck         HealthCheck `json:"health_check"`
	DeregistrationDelay Duration    `json:"deregistration_delay"`
	SlowStart           Duration    `json:"slow_start,omitempty"`
	Forwards            []Forward   `json:"forwards"`
	// Targets are the instance ids registered in its target group.
	Targets []string `json:"targets"`
	// PathFromTemplate is set when no health check path was given: the path
	// then comes from the registered instances' launch template.
	PathFromTemplate bool      `json:"path_from_template,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
}

// Target is one target's health, as `lb targets` shows it.
type Target struct {
	ID          string    `json:"id"`
	Address     string    `json:"address"`
	State       string    `json:"state"`
	Reason      string    `json:"reason,omitempty"`
	Description string    `json:"description,omitempty"`
	Since       time.Time `json:"since"`
}

// Stats are a load balancer's counters.
type Stats struct {
	Requests          int64                  `json:"requests"`
	Responses         map[string]int64       `json:"responses"`
	Errors            map[string]int64       `json:"errors"`
	ActiveConnections int64                  `json:"active_connections"`
	Latency           Latency                `json:"latency"`
	Targets           map[string]TargetStats `json:"targets"`
}

// Latency summarises the latency histogram.
type Latency struct {
	Count int64    `json:"count"`
	Mean  Duration `json:"mean"`
	P50   Duration `json:"p50"`
	P90   Duration `json:"p90"`
	P99   Duration `json:"p99"`
}

// TargetStats are the counters of one target.
type TargetStats struct {
	Requests  int64            `json:"requests"`
	Responses map[string]int64 `json:"responses"`
	Errors    map[string]int64 `json:"errors"`
	Active    int64            `json:"active"`
}

// CreateRequest makes a load balancer.
type CreateRequest struct {
	Name                string      `json:"name"`
	Port                int         `json:"port,omitempty"` // 0 picks a free one
	Algorithm           string      `json:"algorithm,omitempty"`
	HealthCheck         HealthCheck `json:"health_check,omitempty"`
	DeregistrationDelay *Duration   `json:"deregistration_delay,omitempty"`
	SlowStart           Duration    `json:"slow_start,omitempty"`
}
