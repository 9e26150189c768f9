package compute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// ReasonUserStop is the state reason of an instance stopped on request,
// in EC2's words.
const ReasonUserStop = "Client.UserInitiatedShutdown: User initiated shutdown"

// Stop stops running instances (EC2's StopInstances): running -> stopping
// -> stopped, the container stopped but kept, so that Start brings the
// same instance back. All-or-nothing: an unknown id, or one neither
// running nor stopped, touches none. An instance of a group is then
// unhealthy to it, and replaced, as on AWS.
func (s *Service) Stop(ctx context.Context, ids []string) ([]Instance, error) {
	insts, err := s.lookupFor(ctx, ids, "stopped", StateRunning, StateStopping, StateStopped)
	if err != nil {
		return nil, err
	}
	return s.each(insts, StateRunning, func(inst Instance) (Instance, error) {
		inst, err := s.transition(inst.ID, StateStopping, ReasonUserStop, nil)
		if err != nil {
			return inst, err
		}
		if s.hooks.BeforeStop != nil {
			s.hooks.BeforeStop(ctx, inst)
		}
		if err := s.rt.Stop(context.WithoutCancel(ctx), inst.ContainerID, s.profile.StopTimeout); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			s.engine.observe(err, s.now())
			return inst, fmt.Errorf("stopping %s: %w", inst.ID, err) // the reconcile finishes it
		}
		return s.transition(inst.ID, StateStopped, ReasonUserStop, func(i *Instance) { i.Address = "" })
	})
}

// Start starts stopped instances again (EC2's StartInstances): stopped ->
// pending -> running, in the container they had, at a new address.
func (s *Service) Start(ctx context.Context, ids []string) ([]Instance, error) {
	insts, err := s.lookupFor(ctx, ids, "started", StatePending, StateRunning, StateStopped)
	if err != nil {
		return nil, err
	}
	return s.each(insts, StateStopped, func(inst Instance) (Instance, error) {
		inst, err := s.transition(inst.ID, StatePending, "", nil)
		if err != nil {
			return inst, err
		}
		work := context.WithoutCancel(ctx)
		err = s.rt.Start(work, inst.ContainerID)
		if err == nil {
			c, ierr := s.rt.Inspect(work, inst.ContainerID)
			if err = ierr; err == nil {
				return s.transition(inst.ID, StateRunning, "", func(i *Instance) {
					if c.HostPort > 0 {
						i.Address = "127.0.0.1:" + strconv.Itoa(c.HostPort)
					}
				})
			}
		}
		s.engine.observe(err, s.now())
		if errors.Is(err, errdefs.ErrUnavailable) {
			return inst, err // left pending: the reconcile settles it
		}
		out, _ := s.transition(inst.ID, StateStopped, "Server.InternalError: start failed: "+err.Error(), nil)
		return out, fmt.Errorf("starting %s: %w", inst.ID, err)
	})
}

// lookupFor reads the instances of ids for a state change named what,
// refusing them all when one is in none of the states ok.
func (s *Service) lookupFor(ctx context.Context, ids []string, what string, ok ...string) ([]Instance, error) {
	insts, err := s.instancesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, inst := range insts {
		if !slices.Contains(ok, inst.State) {
			return nil, errdefs.Conflict("instance %s is %s, so it cannot be %s", inst.ID, inst.State, what)
		}
		if s.isBusy(inst.ID) {
			return nil, errdefs.Conflict("instance %s is changing state (%s): try again when it settles", inst.ID, inst.State)
		}
	}
	if err := s.checkEngine(ctx); err != nil {
		return nil, err
	}
	return insts, nil
}

// each runs change, in parallel, on the instances in state from (the
// others are already where change leads) and returns them all as they are
// then.
func (s *Service) each(insts []Instance, from string, change func(Instance) (Instance, error)) ([]Instance, error) {
	var wg sync.WaitGroup
	errs := make([]error, len(insts))
	for i := range insts {
		if insts[i].State != from {
			continue
		}
		s.markBusy(insts[i].ID)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.unmarkBusy(insts[i].ID)
			insts[i], errs[i] = change(insts[i])
		}()
	}
	wg.Wait()
	return insts, errors.Join(errs...)
}
