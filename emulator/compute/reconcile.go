package compute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

// Reasons recorded when the engine, not a user, ended an instance.
const (
	ReasonLaunchInterrupted = "Server.InternalError: the launch was interrupted before the container ran"
	ReasonContainerGone     = "Server.InternalError: the instance's container was removed outside cattle"
)

// Reconcile brings the instance records in line with what the engine
// reports. It is level-triggered: it looks at the whole picture each time,
// so a missed engine event costs nothing but a little delay. With adopt set
// (at daemon start) it also finishes work a crash interrupted and removes
// labelled containers that no instance owns.
func (s *Service) Reconcile(ctx context.Context, adopt bool) error {
	listedAt := s.now()
	containers, err := s.rt.ListStates(ctx, map[string]string{sandbox.LabelSandbox: s.sandbox, sandbox.LabelRole: RoleInstance})
	if err != nil {
		s.engine.observe(err, s.now())
		return fmt.Errorf("listing the sandbox's containers: %w", err)
	}
	// The engine answers: what it says is adopted below, and the
	// controllers paused by an outage go on once it is.
	defer s.engine.answered(s.now())
	insts, err := s.Instances(ctx)
	if err != nil {
		return err
	}
	byInstance := map[string][]sandbox.Container{}
	for _, c := range containers {
		id := c.Labels[sandbox.LabelInstance]
		byInstance[id] = append(byInstance[id], c)
	}
	var errs []error
	now := s.now()
	for _, inst := range insts {
		cs := byInstance[inst.ID]
		delete(byInstance, inst.ID) // owned, whatever this pass does with it
		if s.isBusy(inst.ID) || settled(inst, cs) {
			continue
		}
		// Read again now that it is known not busy: a launch or a
		// termination may have ended since the list was read.
		if inst, err = s.Instance(ctx, inst.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		// An instance that changed while the engine was being listed (a
		// launch that just finished) is newer than what the list says of
		// its container: the next pass looks again.
		if inst.StateChangedAt.After(listedAt) {
			continue
		}
		c, found, extra := pickContainer(inst, cs)
		for _, x := range extra { // never two containers for one instance
			errs = append(errs, s.rt.Remove(ctx, x.ID, true))
		}
		if !inst.Live() {
			if found {
				errs = append(errs, s.rt.Remove(ctx, c.ID, true))
			}
			if inst.TerminatedAt != nil && now.Sub(*inst.TerminatedAt) > s.profile.TerminatedVisible {
				errs = append(errs, s.db.Update(func(tx *store.Tx) error { return tx.Delete(kindInstance, inst.ID) }))
			}
			continue
		}
		errs = append(errs, s.reconcileOne(ctx, inst, c, found))
	}
	if adopt {
		for id, cs := range byInstance {
			for _, c := range cs {
				slog.Info("removing a container no instance owns", "container", c.ID[:12], "instance", id)
				errs = append(errs, s.rt.Remove(ctx, c.ID, true))
			}
		}
	}
	return errors.Join(errs...)
}

// pickContainer chooses the instance's own container among those labelled
// with its id; the rest are extras to remove.
func pickContainer(inst Instance, cs []sandbox.Container) (c sandbox.Container, found bool, extra []sandbox.Container) {
	for _, x := range cs {
		if !found && (x.ID == inst.ContainerID || inst.ContainerID == "") {
			c, found = x, true
			continue
		}
		extra = append(extra, x)
	}
	if !found && len(extra) > 0 {
		c, found, extra = extra[0], true, extra[1:]
	}
	return c, found, extra
}

func (s *Service) reconcileOne(ctx context.Context, inst Instance, c sandbox.Container, found bool) error {
	var err error
	switch inst.State {
	case StatePending:
		switch {
		case !found:
			_, err = s.transition(inst.ID, StateTerminated, ReasonLaunchInterrupted, nil)
		case c.State == sandbox.StateRunning || c.State == sandbox.StatePaused:
			_, err = s.transition(inst.ID, StateRunning, "", adoptContainer(c))
		default:
			if err = s.rt.Remove(ctx, c.ID, true); err == nil {
				_, err = s.transition(inst.ID, StateTerminated, ReasonLaunchInterrupted, nil)
			}
		}
	case StateRunning, StateStopped:
		switch {
		case !found:
			_, err = s.transition(inst.ID, StateTerminated, ReasonContainerGone, nil)
		case c.State == sandbox.StateExited || c.State == sandbox.StateDead || c.State == sandbox.StateCreated:
			reason := "Server.InternalError: the instance's process exited with code " + strconv.Itoa(c.ExitCode)
			if c.OOMKilled {
				reason = "Server.InternalError: the instance ran out of memory"
			}
			_, err = s.transition(inst.ID, StateStopped, reason, adoptContainer(c))
		case inst.State == StateRunning && adopted(inst, c):
			// As recorded: no write.
		default:
			_, err = s.transition(inst.ID, StateRunning, "", adoptContainer(c))
		}
	case StateShuttingDown:
		// A termination the daemon did not finish: finish it.
		if found {
			err = s.rt.Remove(ctx, c.ID, true)
		}
		if err == nil {
			_, err = s.transition(inst.ID, StateTerminated, inst.StateReason, nil)
		}
	case StateStopping:
		if found {
			err = s.rt.Stop(ctx, c.ID, s.profile.StopTimeout)
		}
		if err == nil {
			_, err = s.transition(inst.ID, StateStopped, inst.StateReason, nil)
		}
	}
	return err
}

// adoptContainer records what the engine says about an instance's container.
func adoptContainer(c sandbox.Container) func(*Instance) {
	return func(i *Instance) {
		i.ContainerID = c.ID
		if c.HostPort > 0 && (c.State == sandbox.StateRunning || c.State == sandbox.StatePaused) {
			i.Address = "127.0.0.1:" + strconv.Itoa(c.HostPort)
		} else {
			i.Address = ""
		}
	}
}

// settled reports whether a running instance's one container runs as it
// records: the common case, which needs neither a fresh read nor a write
// (a pass looks at every instance every second).
func settled(inst Instance, cs []sandbox.Container) bool {
	return inst.State == StateRunning && len(cs) == 1 && cs[0].State == sandbox.StateRunning &&
		cs[0].ID == inst.ContainerID && adopted(inst, cs[0])
}

// adopted reports whether inst already records what c says.
func adopted(inst Instance, c sandbox.Container) bool {
	want := inst
	adoptContainer(c)(&want)
	return want.ContainerID == inst.ContainerID && want.Address == inst.Address
}

// Run reconciles until ctx ends: every interval, and at once when the
// engine reports that an instance's container changed. The event stream
// ends when the engine goes away; it is opened again once it answers.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	events, err := s.subscribe(ctx)
	if err != nil {
		slog.Warn("engine events unavailable; reconciling on a timer until they are back", "err", err)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if !s.interesting(ev) {
				continue
			}
			// One pass answers every event already waiting: a group
			// launching or removing dozens sends a burst of them.
			if !drain(events) {
				events = nil
			}
		}
		err := s.Reconcile(ctx, false)
		// An engine away was told once, when the outage began.
		if err != nil && ctx.Err() == nil && !errors.Is(err, errdefs.ErrUnavailable) {
			slog.Warn("reconcile", "err", err)
		}
		if events == nil && s.EngineAvailable() {
			events, _ = s.subscribe(ctx)
		}
	}
}

func (s *Service) subscribe(ctx context.Context) (<-chan sandbox.Event, error) {
	return s.rt.Events(ctx, map[string]string{sandbox.LabelSandbox: s.sandbox})
}

// interesting reports whether an engine event may need a pass: not the
// start of a container that one of this service's launches is making (the
// launch records it), nor events that change no state.
func (s *Service) interesting(ev sandbox.Event) bool {
	switch ev.Action {
	case "start":
		return !s.isBusy(ev.Labels[sandbox.LabelInstance])
	case "die", "destroy", "stop", "kill", "oom", "pause", "unpause":
		return true
	}
	return false
}

// drain takes the events waiting without blocking; false when the stream
// ended.
func drain(events <-chan sandbox.Event) bool {
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return false
			}
		default:
			return true
		}
	}
}
