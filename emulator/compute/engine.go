package compute

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
)

// The engine going away is a fault the control plane waits out. While it
// does not answer, calls that need it answer errdefs.ErrUnavailable at once,
// a launch under way waits for it (its instance stays pending), and the
// controllers that read EngineAvailable pause; when it answers again the
// reconcile adopts the containers that survived and ends the instances
// whose containers did not, which their groups then replace.

// Engine outages the watch remembers, for the clocks that must not run
// while the engine is away; older ones no clock still running can need.
const (
	keptOutages = 32
	keptOutage  = time.Hour
)

// How a launch waits for the engine: how often it asks, and for how long
// before it leaves its instance pending for the reconcile to settle.
const (
	engineProbeEvery = time.Second
	engineProbeLimit = 2 * time.Second
	engineWaitLimit  = 10 * time.Minute
)

// engineWatch remembers whether the engine answers, and when it did not.
type engineWatch struct {
	mu        sync.Mutex
	downSince time.Time // zero while it answers
	outages   []outage
}

type outage struct{ from, to time.Time }

// observe notes a call's outcome: an unavailable engine starts an outage.
func (w *engineWatch) observe(err error, now time.Time) {
	if !errors.Is(err, errdefs.ErrUnavailable) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.downSince.IsZero() {
		w.downSince = now
		slog.Warn("the Docker engine does not answer: pausing until it is back", "err", err)
	}
}

// answered ends the outage under way, if any.
func (w *engineWatch) answered(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.downSince.IsZero() {
		return
	}
	w.outages = append(w.outages, outage{w.downSince, now})
	slog.Info("the Docker engine answers again: reconciling", "away", now.Sub(w.downSince).Round(time.Millisecond))
	w.downSince = time.Time{}
	for len(w.outages) > keptOutages || len(w.outages) > 0 && now.Sub(w.outages[0].to) > keptOutage {
		w.outages = w.outages[1:]
	}
}

func (w *engineWatch) down() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.downSince.IsZero()
}

// since is how long the engine was away between since and now.
func (w *engineWatch) since(since, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	all := w.outages
	if !w.downSince.IsZero() {
		all = append(all[:len(all):len(all)], outage{w.downSince, now})
	}
	var d time.Duration
	for _, o := range all {
		from, to := o.from, o.to
		if since.After(from) {
			from = since
		}
		if now.Before(to) {
			to = now
		}
		if to.After(from) {
			d += to.Sub(from)
		}
	}
	return d
}

// EngineAvailable reports whether the engine answered the last call that
// needed it. The controllers pause while it does not.
func (s *Service) EngineAvailable() bool { return !s.engine.down() }

// EngineOutage is how long the engine has been away since t: the clocks
// of a refresh are extended by it.
func (s *Service) EngineOutage(t time.Time) time.Duration { return s.engine.since(t, s.now()) }

// checkEngine answers errdefs.ErrUnavailable at once while the engine is
// known to be away, unless it answers a quick ping now.
func (s *Service) checkEngine(ctx context.Context) error {
	if !s.engine.down() {
		return nil
	}
	return s.pingEngine(ctx)
}

func (s *Service) pingEngine(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, engineProbeLimit)
	defer cancel()
	if _, err := s.rt.Info(ctx); err != nil {
		if ctx.Err() != nil && !errors.Is(err, errdefs.ErrUnavailable) {
			err = errdefs.Unavailable("the Docker engine does not answer: %v", err)
		}
		s.engine.observe(err, s.now())
		return err
	}
	s.engine.answered(s.now())
	return nil
}

// awaitEngine waits until the engine answers, ctx ends or engineWaitLimit
// passes; it reports whether the engine answers.
func (s *Service) awaitEngine(ctx context.Context) bool {
	limit := time.NewTimer(engineWaitLimit)
	defer limit.Stop()
	tick := time.NewTicker(engineProbeEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-limit.C:
			return false
		case <-tick.C:
			if s.pingEngine(ctx) == nil {
				return true
			}
		}
	}
}

// instanceContainers lists the containers labelled with an instance's id.
func (s *Service) instanceContainers(ctx context.Context, id string) ([]sandbox.Container, error) {
	return s.rt.List(ctx, map[string]string{sandbox.LabelSandbox: s.sandbox, sandbox.LabelInstance: id})
}
