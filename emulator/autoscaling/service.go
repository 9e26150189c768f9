// Package autoscaling keeps groups of instances at capacity and replaces
// them by instance refresh, with AWS's rules: min/max/desired, zones kept
// balanced, health replacement, the default termination order, and the
// instance refresh status machine with checkpoints, bake time and rollback.
//
// It is a level-triggered controller: each pass compares what the store
// says a group should be with the instances compute records for it, and
// starts at most one activity (terminate some instances, launch some) per
// group. Every decision a refresh makes is written to the store before it
// acts, and every instance a refresh launches carries the refresh's id as
// a tag, so a daemon killed at any point carries on where it was.
//
// The engine going away pauses it: while compute reports the engine
// unavailable, no pass decides anything, so no instance is judged unhealthy
// and no refresh fails for the engine's absence. A refresh's time limits
// (an instance's warmup and health checks, the group's grace period) are
// extended by the time the engine was away since the clock started, rather
// than paused: the outages are recorded once, by compute, so every clock
// follows from stored instants and that record, and a pass needs no state
// of its own to stop and restart a clock.
package autoscaling

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/store"
)

// Config is what a Service needs.
type Config struct {
	DB      *store.DB
	Compute *compute.Service
	// LB is the load balancers' control plane; nil means groups cannot
	// have a load balancer.
	LB LoadBalancing
	// Metrics is where scaling policies read what they track; nil means
	// groups cannot have a scaling policy.
	Metrics Metrics
	Profile timing.Profile
	Clock   Clock // RealClock when nil
	// PendingFloor is the least time a launch may keep an instance pending
	// before it is abandoned and the instance replaced; the group's grace
	// period when longer. DefaultPendingFloor when zero.
	PendingFloor time.Duration
}

// DefaultPendingFloor leaves a slow engine time to create and start a
// container (seconds under load) before a launch counts as stuck; AWS
// publishes no figure for an instance that never leaves pending.
const DefaultPendingFloor = time.Minute

// Service manages auto scaling groups and their instance refreshes.
type Service struct {
	db      *store.DB
	compute *compute.Service
	lb      LoadBalancing
	metrics Metrics
	profile timing.Profile
	clock   Clock
	// pendingFloor: see Config.PendingFloor.
	pendingFloor time.Duration
	// started is when this Service was made: a new instance's time to
	// become healthy never runs out before the daemon had a fair look at it.
	started time.Time
	notify  chan struct{}

	mu      sync.Mutex
	busy    map[string]bool      // groups with an activity in flight
	backoff map[string]backoffAt // groups whose launches failed lately
	// servedAt is when an instance a refresh launched was first seen in
	// service: one that serves and then fails a check is the group's
	// health check's to replace, not a refresh that failed.
	servedAt map[string]time.Time
	series   map[string]*series // the recent samples of each policy's metric, by group
	wg       sync.WaitGroup     // activities in flight
}

type backoffAt struct {
	failures int
	until    time.Time
}

// watchInterval is how often a pass looks again while something waits on
// the load balancer's view of an instance's health (which nobody pushes).
const watchInterval = 100 * time.Millisecond

// New returns a Service. Run starts its reconcile loop.
func New(cfg Config) *Service {
	clock := cfg.Clock
	if clock == nil {
		clock = RealClock()
	}
	return &Service{
		db: cfg.DB, compute: cfg.Compute, lb: cfg.LB, metrics: cfg.Metrics, profile: cfg.Profile, clock: clock,
		pendingFloor: cmp.Or(cfg.PendingFloor, DefaultPendingFloor),
		started:      clock.Now(), notify: make(chan struct{}, 1),
		busy: map[string]bool{}, backoff: map[string]backoffAt{}, servedAt: map[string]time.Time{}, series: map[string]*series{},
	}
}

// Notify asks for a reconcile pass soon; it never blocks. Wire it to
// compute's StateChanged hook so a dead instance is replaced at once.
func (s *Service) Notify() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Run reconciles until ctx ends, then waits for the activities in flight.
// It first announces the refreshes a previous daemon left unfinished; the
// passes then carry them on from their stored state. Start it after
// compute's adopting Reconcile, so that launches and terminations a crash
// interrupted are settled first.
func (s *Service) Run(ctx context.Context) {
	defer s.wg.Wait()
	s.announceResumed()
	idle := min(s.profile.HealthInterval, 2*time.Second)
	if idle <= 0 {
		idle = time.Second
	}
	for {
		res := s.reconcileOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if res.acted {
			continue // a state change may allow the next step at once
		}
		wait := idle
		if res.watch {
			wait = watchInterval
		}
		if !res.wake.IsZero() {
			wait = min(wait, max(0, res.wake.Sub(s.clock.Now())))
		}
		select {
		case <-ctx.Done():
			return
		case <-s.notify:
		case <-s.clock.After(wait):
		}
	}
}

// passResult is what a pass learned about when to look again.
type passResult struct {
	acted bool      // it wrote state or started an activity
	wake  time.Time // a timed condition comes due then (zero: none)
	watch bool      // something waits on target health
}

func (r *passResult) merge(o passResult) {
	r.acted = r.acted || o.acted
	r.watch = r.watch || o.watch
	r.wakeAt(o.wake)
}

func (r *passResult) wakeAt(t time.Time) {
	if !t.IsZero() && (r.wake.IsZero() || t.Before(r.wake)) {
		r.wake = t
	}
}

// reconcileOnce makes one pass over every group that has no activity in
// flight: it decides the next step from the stored state and starts it.
func (s *Service) reconcileOnce(ctx context.Context) passResult {
	var res passResult
	if !s.compute.EngineAvailable() {
		// Nothing is decided while the engine is away: what it would
		// see of the instances is out of date, and it could act on none.
		res.wakeAt(s.clock.Now().Add(time.Second))
		return res
	}
	groups, active, err := s.loadState()
	if err != nil {
		slog.Warn("autoscaling: reading groups", "err", err)
		return res
	}
	insts, err := s.compute.Instances(ctx)
	if err != nil {
		slog.Warn("autoscaling: listing instances", "err", err)
		return res
	}
	now := s.clock.Now()
	tracked := map[string]bool{}
	for _, g := range groups {
		track := g.Policy != nil && g.Status != StatusDeleting && s.metrics != nil
		if !track && s.isBusy(g.Name) {
			continue // nothing to do: spare the view
		}
		v := s.viewOf(g, insts)
		if track {
			tracked[g.Name] = true
			res.wakeAt(s.sampleIfDue(ctx, v, now))
			if s.isBusy(g.Name) {
				continue
			}
		}
		var p plan
		var out passResult
		var err error
		switch r, ok := active[g.Name]; {
		case g.Status == StatusDeleting:
			p, out, err = s.deletePass(v)
		case ok:
			p, out, err = s.refreshPass(v, r, now)
		default:
			// A policy acts only outside a refresh, whose healthy
			// percentages are of the capacity it started with.
			if v.group, out, err = s.trackPass(v, now); err == nil {
				var more passResult
				p, more, err = s.capacityPass(ctx, v, now)
				out.merge(more)
			}
		}
		if err != nil && ctx.Err() == nil && !errors.Is(err, store.ErrConflict) {
			slog.Warn("autoscaling: reconciling group", "group", g.Name, "err", err)
		}
		res.merge(out)
		if !p.empty() {
			res.acted = true
			s.start(ctx, p)
		}
	}
	s.forgetSeries(tracked)
	return res
}

// loadState reads every group and the active refresh of each.
func (s *Service) loadState() (groups []Group, active map[string]Refresh, err error) {
	err = s.db.View(func(tx *store.Tx) error {
		groups, active, err = loadStateIn(tx)
		return err
	})
	return groups, active, err
}

// loadStateIn is loadState in tx.
func loadStateIn(tx *store.Tx) ([]Group, map[string]Refresh, error) {
	groups, err := store.List[Group](tx, kindGroup)
	if err != nil {
		return nil, nil, err
	}
	active := map[string]Refresh{}
	rs, err := listRefreshes(tx)
	for _, r := range rs {
		if !Done(r.Status) {
			active[r.Group] = r
		}
	}
	return groups, active, err
}

func (s *Service) isBusy(group string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy[group]
}

// start runs a plan in the background; the group takes no other step
// until it is done.
func (s *Service) start(ctx context.Context, p plan) {
	s.mu.Lock()
	s.busy[p.group.Name] = true
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.busy, p.group.Name)
			s.mu.Unlock()
			s.Notify()
		}()
		s.execute(ctx, p)
	}()
}

// activities is how many groups have an activity in flight (for tests).
func (s *Service) activities() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.busy)
}

// waitIdle waits until no activity is in flight (for tests).
func (s *Service) waitIdle() { s.wg.Wait() }

func (s *Service) announceResumed() {
	_, active, err := s.loadState()
	if err != nil {
		return
	}
	for _, r := range active {
		msg := "refresh " + r.ID + " on group " + r.Group + " resumed after a daemon restart: " + r.Status + ", " +
			itoa(r.PercentComplete) + "% complete"
		_ = s.db.Update(func(tx *store.Tx) error {
			_, err := tx.Append(s.refreshEvent(EventRefreshResumed, r, msg))
			return err
		})
	}
}
