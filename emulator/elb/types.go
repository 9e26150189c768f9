// Package elb is the control plane of the load balancers and target groups:
// their records in the store, and the live data plane (package lb) they
// drive. Both fronts drive these same objects: the native API and CLI
// (`cattle lb ...`) and the AWS ELBv2 API.
//
// # The model
//
// AWS's Application Load Balancer has three resources: a load balancer, its
// listeners (a port, and a default action forwarding to one target group or
// by weight to several), and target groups (targets, health check,
// deregistration delay, slow start, algorithm) that exist on their own.
// cattle keeps them in one record per name (kind "load_balancers", type
// LoadBalancer), which holds up to three parts:
//
//   - the target group NAME: HealthCheck, Algorithm, DeregistrationDelay,
//     SlowStart, Targets. Its data plane (an lb.TargetGroup: health checks,
//     draining, routing) runs whether or not a listener sends it traffic,
//     so a target group made alone (AWS CreateTargetGroup) has targets and
//     target health before any load balancer uses it;
//   - the load balancer NAME (Zones);
//   - its one listener: Address/Port, and Forwards, the weighted forward to
//     target groups by name (one forward is a plain forward).
//
// `cattle lb create web` makes all three at once, as it always has: a load
// balancer web listening on a port and forwarding to its own target group
// web. The flags TargetGroupOnly, NoTargetGroup and NoListener say which
// parts are missing; every record written before they existed has none of
// them set, so old state files read as before, with no migration. AWS's
// separate namespaces map onto this one: a load balancer and a target group
// of the same name share a record; a load balancer "web-alb" forwarding to
// target group "web-tg" are two records, one with NoTargetGroup, the other
// with TargetGroupOnly. A record whose last part goes is deleted.
//
// Auto scaling groups attach to target groups by name (their --lb NAME is
// the target group NAME, the one `cattle lb create NAME` made). A target
// group that a group uses, or that a listener forwards to, cannot be
// deleted (ResourceInUse); a load balancer can, and its target group stays.
//
// One listener per load balancer: cattle listens on loopback HTTP only,
// where AWS's second listener is usually HTTPS.
package elb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"

	"github.com/cattle-dev/cattle/emulator/timing"
)

const kindLoadBalancer = "load_balancers"

// Duration is timing.Duration: text in JSON ("1.5s"), a bare number is
// seconds.
type Duration = timing.Duration

// HealthCheck is a target group's health check; fields not given take the
// sandbox's timing profile. A zero given explicitly (in JSON, or by a
// flag) is refused, never replaced by the default.
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

	// The parts of the record that do not exist (see the package doc):
	// none set is a load balancer with its listener and its same-named
	// target group, as every record made by `cattle lb create`.
	TargetGroupOnly bool `json:"target_group_only,omitempty"` // no load balancer (nor listener)
	NoTargetGroup   bool `json:"no_target_group,omitempty"`
	NoListener      bool `json:"no_listener,omitempty"` // no port open: Address and Port are empty
	// Zones are the zones the load balancer was made in (AWS: its subnets);
	// empty means every zone.
	Zones []string `json:"zones,omitempty"`
	// IDs are the last parts of the resources' ARNs, kept so that the ARNs
	// do not change across restarts; empty in records made before them.
	LoadBalancerID string `json:"load_balancer_id,omitempty"`
	TargetGroupID  string `json:"target_group_id,omitempty"`
	ListenerID     string `json:"listener_id,omitempty"`
	// TargetPort is the port an AWS target group was made with; targets
	// are sent traffic on their launch template's port all the same.
	TargetPort int `json:"target_port,omitempty"`
}

// IDs are the last parts of the record's ARNs: the ones it keeps, else
// (a record made before it kept them) ones derived from its name and
// creation time, which do not change either.
func (r LoadBalancer) IDs() (loadBalancer, targetGroup, listener string) {
	derive := func(kept, part string) string {
		if kept != "" {
			return kept
		}
		sum := sha256.Sum256([]byte(part + "/" + r.Name + "/" + r.CreatedAt.UTC().Format(time.RFC3339Nano)))
		return hex.EncodeToString(sum[:8])
	}
	return derive(r.LoadBalancerID, "loadbalancer"), derive(r.TargetGroupID, "targetgroup"), derive(r.ListenerID, "listener")
}

// HasLoadBalancer reports whether the record holds a load balancer.
func (r LoadBalancer) HasLoadBalancer() bool { return !r.TargetGroupOnly }

// HasTargetGroup reports whether the record holds a target group.
func (r LoadBalancer) HasTargetGroup() bool { return !r.NoTargetGroup }

// Listening reports whether the record's load balancer has its listener.
func (r LoadBalancer) Listening() bool { return r.HasLoadBalancer() && !r.NoListener }

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

// ExplicitZero marks a health check duration or count given explicitly
// as zero (a flag set to 0): the range check refuses it instead of taking
// the default.
const ExplicitZero = -1

// UnmarshalJSON reads a health check, telling "interval": "0s" apart from
// no interval.
func (h *HealthCheck) UnmarshalJSON(b []byte) error {
	type plain HealthCheck
	var seen map[string]json.RawMessage
	if err := json.Unmarshal(b, (*plain)(h)); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &seen); err != nil {
		return err
	}
	for key, d := range map[string]*Duration{"interval": &h.Interval, "timeout": &h.Timeout} {
		if _, ok := seen[key]; ok && *d == 0 {
			*d = ExplicitZero
		}
	}
	for key, n := range map[string]*int{"healthy_threshold": &h.HealthyThreshold, "unhealthy_threshold": &h.UnhealthyThreshold} {
		if _, ok := seen[key]; ok && *n == 0 {
			*n = ExplicitZero
		}
	}
	return nil
}

// withDefaults fills the fields not given from the timing profile.
func (h HealthCheck) withDefaults(p timing.Profile) HealthCheck {
	if h.Interval == 0 {
		h.Interval = Duration(p.HealthInterval)
	}
	if h.Timeout == 0 {
		h.Timeout = Duration(p.HealthTimeout)
	}
	if h.HealthyThreshold == 0 {
		h.HealthyThreshold = p.HealthyThreshold
	}
	if h.UnhealthyThreshold == 0 {
		h.UnhealthyThreshold = p.UnhealthyThreshold
	}
	return h
}

// Ranges are the health check and slow start settings a profile accepts.
// On aws they are AWS's own; on fast the durations are AWS's over about
// 30, the ratio of the profiles' intervals (1 s to 30 s), so that every
// setting keeps its place relative to the default.
type Ranges struct {
	Interval, Timeout [2]time.Duration
	Thresholds        [2]int
	// SlowStart is off (0) or within this range.
	SlowStart [2]time.Duration
}

// RangesFor returns the ranges of profile p.
func RangesFor(p timing.Profile) Ranges {
	if p.Name == "aws" {
		return Ranges{Interval: [2]time.Duration{5 * time.Second, 300 * time.Second}, Timeout: [2]time.Duration{2 * time.Second, 120 * time.Second},
			Thresholds: [2]int{2, 10}, SlowStart: [2]time.Duration{30 * time.Second, 900 * time.Second}}
	}
	return Ranges{Interval: [2]time.Duration{100 * time.Millisecond, 10 * time.Second}, Timeout: [2]time.Duration{50 * time.Millisecond, 4 * time.Second},
		Thresholds: [2]int{2, 10}, SlowStart: [2]time.Duration{time.Second, 900 * time.Second}}
}

// check refuses a health check or slow start out of the ranges.
func (r Ranges) check(hc HealthCheck, slowStart Duration) error {
	in := func(d Duration, b [2]time.Duration) bool { return time.Duration(d) >= b[0] && time.Duration(d) <= b[1] }
	show := func(d Duration) time.Duration { return time.Duration(max(d, 0)) }
	switch {
	case !in(hc.Interval, r.Interval):
		return errdefs.Invalid("health check interval %s is out of range: use %s-%s on this timing profile", show(hc.Interval), r.Interval[0], r.Interval[1])
	case !in(hc.Timeout, r.Timeout):
		return errdefs.Invalid("health check timeout %s is out of range: use %s-%s on this timing profile", show(hc.Timeout), r.Timeout[0], r.Timeout[1])
	case hc.Timeout >= hc.Interval:
		return errdefs.Invalid("health check timeout %s must be shorter than the interval %s", show(hc.Timeout), show(hc.Interval))
	case min(hc.HealthyThreshold, hc.UnhealthyThreshold) < r.Thresholds[0] || max(hc.HealthyThreshold, hc.UnhealthyThreshold) > r.Thresholds[1]:
		return errdefs.Invalid("health check thresholds (healthy %d, unhealthy %d) are out of range: use %d-%d",
			max(hc.HealthyThreshold, 0), max(hc.UnhealthyThreshold, 0), r.Thresholds[0], r.Thresholds[1])
	case slowStart != 0 && !in(slowStart, r.SlowStart):
		return errdefs.Invalid("slow start %s is out of range: use 0s (off) or %s-%s on this timing profile", time.Duration(slowStart), r.SlowStart[0], r.SlowStart[1])
	}
	return nil
}
