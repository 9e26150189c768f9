package lb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// unusedVisibleFor is how long Health keeps listing a target that finished
// draining, so a user sees it reach "unused".
var unusedVisibleFor = time.Minute

// TargetGroup holds targets, checks their health and picks one per request.
// Its methods are safe for concurrent use.
type TargetGroup struct {
	name     string // never changes
	mu       sync.Mutex
	cfg      TargetGroupConfig
	matcher  statusMatcher
	active   map[string]*target // registered and not draining
	draining map[*target]struct{}
	unused   []*target     // finished draining, listed for unusedVisibleFor
	changed  chan struct{} // closed and replaced by Update: checkers re-read settings

	routes atomic.Pointer[routing]
	next   atomic.Uint64 // round-robin position

	ctx    context.Context // ends on Close: stops checkers and drainers
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewTargetGroup makes an empty target group.
func NewTargetGroup(cfg TargetGroupConfig) (*TargetGroup, error) {
	cfg, m, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &TargetGroup{
		name: cfg.Name, cfg: cfg, matcher: m,
		active:   map[string]*target{},
		draining: map[*target]struct{}{},
		changed:  make(chan struct{}),
		ctx:      ctx, cancel: cancel,
	}
	g.routes.Store(&routing{})
	return g, nil
}

// Name is the group's name.
func (g *TargetGroup) Name() string { return g.name }

// Register adds a target, in state initial, and runs its first health check
// at once. Registering a target that is already registered at the same
// address does nothing; at another address it replaces the old one, which
// drains.
func (g *TargetGroup) Register(t Target) error {
	if t.ID == "" {
		return fmt.Errorf("target group %q: a target needs an id", g.name)
	}
	if err := checkTargetAddr(t.Address); err != nil {
		return fmt.Errorf("target group %q: registering %s: %w", g.name, t.ID, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ctx.Err() != nil {
		return fmt.Errorf("target group %q is closed: make a new one", g.name)
	}
	if old := g.active[t.ID]; old != nil {
		if old.address == t.Address {
			return nil
		}
		g.deregisterLocked(old)
	}
	nt := newTarget(t)
	nt.onChange = g.cfg.OnHealthChange
	if nt.onChange != nil {
		nt.onChange("", nt.health)
	}
	g.active[t.ID] = nt
	ctx, cancel := context.WithCancel(g.ctx)
	nt.stopChecks = cancel
	g.wg.Add(1)
	go g.runChecks(ctx, nt)
	return nil
}

// Deregister stops sending new requests to the target at once and returns a
// channel that is closed when its in-flight requests have finished or the
// deregistration delay is over, whichever comes first; the target is then
// "unused". Deregistering an unknown target returns a closed channel.
func (g *TargetGroup) Deregister(id string) <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.active[id]; t != nil {
		return g.deregisterLocked(t)
	}
	for t := range g.draining {
		if t.id == id {
			return t.drained
		}
	}
	done := make(chan struct{})
	close(done)
	return done
}

func (g *TargetGroup) deregisterLocked(t *target) <-chan struct{} {
	delete(g.active, t.id)
	g.draining[t] = struct{}{}
	t.stopChecks()
	t.slowStartEnd = time.Time{}
	t.setHealth(StateDraining, ReasonDeregistrationInProgress, "Target deregistration is in progress")
	// Publish routes without t BEFORE marking it draining: a request that
	// then finds t draining retries on routes that no longer hold it.
	g.rebuildLocked()
	t.draining.Store(true)
	g.wg.Add(1)
	go g.drain(t, g.cfg.DeregistrationDelay)
	return t.drained
}

// drain waits for t's in-flight requests or the delay, then marks t unused.
func (g *TargetGroup) drain(t *target, delay time.Duration) {
	defer g.wg.Done()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for t.inflight.Load() > 0 {
		select {
		case <-t.wake:
		case <-timer.C:
			g.finishDrain(t)
			return
		case <-g.ctx.Done():
			g.finishDrain(t)
			return
		}
	}
	g.finishDrain(t)
}

func (g *TargetGroup) finishDrain(t *target) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.draining, t)
	t.setHealth(StateUnused, ReasonNotRegistered, "Target is not registered to the target group")
	g.unused = append(g.unused, t)
	close(t.drained)
	t.pool.close()
}

// Health lists every registered and draining target, and the targets that
// became unused within the last minute, sorted by id.
func (g *TargetGroup) Health() []TargetHealth {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.forgetOldLocked()
	out := make([]TargetHealth, 0, len(g.active)+len(g.draining)+len(g.unused))
	for _, t := range g.allLocked() {
		out = append(out, t.health)
	}
	slices.SortStableFunc(out, func(a, b TargetHealth) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// allLocked returns every target the group still knows of.
func (g *TargetGroup) allLocked() []*target {
	all := make([]*target, 0, len(g.active)+len(g.draining)+len(g.unused))
	for _, t := range g.active {
		all = append(all, t)
	}
	for t := range g.draining {
		all = append(all, t)
	}
	return append(all, g.unused...)
}

func (g *TargetGroup) forgetOldLocked() {
	g.unused = slices.DeleteFunc(g.unused, func(t *target) bool {
		return time.Since(t.health.Since) > unusedVisibleFor
	})
}

// Update changes the group's settings (health check, delays, algorithm);
// the name stays. Health checks pick the new settings up at once; target
// states and their counts of consecutive results are kept.
func (g *TargetGroup) Update(cfg TargetGroupConfig) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	cfg.Name = g.name
	cfg, m, err := cfg.normalized()
	if err != nil {
		return err
	}
	g.cfg, g.matcher = cfg, m
	close(g.changed)
	g.changed = make(chan struct{})
	g.rebuildLocked()
	return nil
}

// Close stops health checks and ends every drain at once. A closed group
// routes nothing and accepts no new target.
func (g *TargetGroup) Close() {
	g.mu.Lock()
	g.cancel()
	for _, t := range g.active {
		t.draining.Store(true)
	}
	g.routes.Store(&routing{})
	all := g.allLocked()
	g.mu.Unlock()
	g.wg.Wait()
	for _, t := range all {
		t.pool.close()
	}
}
