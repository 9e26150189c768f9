package lb

import (
	"context"
	"sync/atomic"
	"time"
)

// Target is an instance's traffic endpoint.
type Target struct {
	ID      string
	Address string // "127.0.0.1:port"
}

// TargetState is a target's health state, as in AWS.
type TargetState string

// Target health states.
const (
	StateInitial   TargetState = "initial"
	StateHealthy   TargetState = "healthy"
	StateUnhealthy TargetState = "unhealthy"
	StateDraining  TargetState = "draining"
	StateUnused    TargetState = "unused"
)

// AWS reason codes of TargetHealth.Reason.
const (
	ReasonRegistrationInProgress   = "Elb.RegistrationInProgress"
	ReasonInitialHealthChecking    = "Elb.InitialHealthChecking"
	ReasonResponseCodeMismatch     = "Target.ResponseCodeMismatch"
	ReasonTimeout                  = "Target.Timeout"
	ReasonFailedHealthChecks       = "Target.FailedHealthChecks"
	ReasonDeregistrationInProgress = "Target.DeregistrationInProgress"
	ReasonNotRegistered            = "Target.NotRegistered"
)

// TargetHealth is one target's state as a user sees it.
type TargetHealth struct {
	ID, Address string
	State       TargetState
	Reason      string // an AWS reason code; "" when healthy
	Description string
	Since       time.Time // when State was entered
}

// target is a registered target. The atomics are used on the request path;
// the rest is guarded by the group's mutex.
type target struct {
	id, address string

	inflight atomic.Int64
	draining atomic.Bool
	wake     chan struct{} // cap 1: the drainer re-checks inflight
	counters counters
	pool     connPool // keep-alive connections to the target

	health       TargetHealth
	onChange     func(prev TargetState, h TargetHealth)
	successes    int
	failures     int
	slowStartEnd time.Time // zero: not in slow start
	stopChecks   context.CancelFunc
	drained      chan struct{} // closed when unused
}

func newTarget(t Target) *target {
	return &target{
		id: t.ID, address: t.Address,
		wake:    make(chan struct{}, 1),
		drained: make(chan struct{}),
		health: TargetHealth{
			ID: t.ID, Address: t.Address, State: StateInitial,
			Reason:      ReasonRegistrationInProgress,
			Description: "Target registration is in progress",
			Since:       time.Now(),
		},
	}
}

// release ends one request to t; the last one out of a draining target
// wakes its drainer.
func (t *target) release() {
	if t.inflight.Add(-1) == 0 && t.draining.Load() {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

func (t *target) setHealth(state TargetState, reason, description string) {
	prev, changed := t.health.State, t.health.State != state || t.health.Reason != reason
	if t.health.State != state {
		t.health.Since = time.Now()
	}
	t.health.State, t.health.Reason, t.health.Description = state, reason, description
	if changed && t.onChange != nil {
		t.onChange(prev, t.health)
	}
}
