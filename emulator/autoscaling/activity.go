package autoscaling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// Tags a refresh puts on the instances it launches, so that after a
// restart it still knows which instances it made, and in which phase.
const (
	TagRefresh = "cattle:refresh-id"
	TagPhase   = "cattle:refresh-phase"

	phaseForward  = "refresh"
	phaseRollback = "rollback"
)

// plan is one activity of a group: terminations first, then launches.
type plan struct {
	group     Group
	refreshID string // the refresh the plan is a step of, if any
	register  []compute.Instance
	terminate []victim
	launch    *launchPlan
}

// victim is an instance to terminate, with the reason recorded on it and
// the event that says why.
type victim struct {
	inst   compute.Instance
	reason string // the instance's state reason
	kind   string // event kind
	msg    string // event message
}

type launchPlan struct {
	config  Configuration
	version string // as passed to compute: a number, $Latest or $Default
	zones   map[string]int
	tags    map[string]string
	kind    string // event kind
	why     string // appended to the event message
	phase   string // the refresh phase whose failure a failed launch is ("" outside a refresh)
}

// fields are an event's fields for a step of p: the key/value pairs given
// and the refresh's id.
func (p plan) fields(kv ...string) map[string]string {
	f := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	if p.refreshID != "" {
		f["refresh"] = p.refreshID
	}
	return f
}

func (p plan) empty() bool {
	return len(p.register) == 0 && len(p.terminate) == 0 && p.launch == nil
}

func (s *Service) execute(ctx context.Context, p plan) {
	for _, inst := range p.register {
		s.register(ctx, p.group, inst)
	}
	if len(p.terminate) > 0 {
		s.terminate(ctx, p)
	}
	if p.launch != nil && ctx.Err() == nil {
		s.launch(ctx, p)
	}
}

func (s *Service) register(ctx context.Context, g Group, inst compute.Instance) {
	if s.lb == nil || !registrable(g, inst) {
		return // a target needs a running instance with an address
	}
	if err := s.lb.Register(ctx, g.LoadBalancer, inst); err != nil {
		if ctx.Err() == nil {
			slog.Warn("autoscaling: registering a target", "group", g.Name, "instance", inst.ID, "err", err)
		}
		return
	}
	s.appendEvents(s.groupEvent(EventRegister, g.Name,
		fmt.Sprintf("%s registered with load balancer %s", inst.ID, g.LoadBalancer), map[string]string{"instance": inst.ID}))
}

// terminate terminates the victims at once (each drains in parallel).
func (s *Service) terminate(ctx context.Context, p plan) {
	g, vs := p.group, p.terminate
	evs := make([]store.Event, len(vs))
	for i, v := range vs {
		evs[i] = s.groupEvent(v.kind, g.Name, v.msg, p.fields("instance", v.inst.ID))
	}
	s.appendEvents(evs...)
	var wg sync.WaitGroup
	for _, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.compute.Terminate(ctx, []string{v.inst.ID}, v.reason); err != nil && ctx.Err() == nil {
				slog.Warn("autoscaling: terminating an instance", "group", g.Name, "instance", v.inst.ID, "err", err)
			}
		}()
	}
	wg.Wait()
}

// launch runs the planned instances, zone by zone in parallel, registers
// those that run, and reports those that failed.
func (s *Service) launch(ctx context.Context, p plan) {
	g, lp := p.group, p.launch
	zones := make([]string, 0, len(lp.zones))
	for z := range lp.zones {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	results := make([][]compute.Instance, len(zones))
	errs := make([]error, len(zones))
	// Each instance is registered as soon as it runs: its time to come
	// into service starts then, and must not wait for the slowest launch.
	var registered sync.Map
	onRunning := func(inst compute.Instance) {
		registered.Store(inst.ID, true)
		s.register(ctx, g, inst)
	}
	var wg sync.WaitGroup
	for i, z := range zones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.compute.RunInstances(ctx, compute.RunRequest{
				Template: lp.config.Template, Version: lp.version, Count: lp.zones[z],
				Zone: z, Group: g.Name, Tags: lp.tags,
				PendingLimit: max(g.HealthCheckGracePeriod.Std(), s.pendingFloor),
				OnRunning:    onRunning,
			})
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return // the daemon is stopping: what a cancelled launch left is no failure
	}
	var ok []compute.Instance
	var failures []string
	for i := range zones {
		if errs[i] != nil && !errors.Is(errs[i], errdefs.ErrUnavailable) {
			failures = append(failures, errs[i].Error())
		}
		for _, inst := range results[i] {
			switch inst.State {
			case compute.StateRunning:
				ok = append(ok, inst)
				if _, done := registered.Load(inst.ID); !done {
					s.register(ctx, g, inst)
				}
			case compute.StatePending:
				// The engine went away during its launch: the
				// reconcile settles it once the engine is back, and the
				// passes register or replace it then.
			default:
				failures = append(failures, inst.ID+": "+inst.StateReason)
			}
		}
	}
	if len(ok) > 0 {
		where, ids := make([]string, len(ok)), make([]string, len(ok))
		for i, inst := range ok {
			where[i], ids[i] = inst.ID+" ("+inst.Zone+")", inst.ID
		}
		s.appendEvents(s.groupEvent(lp.kind, g.Name, fmt.Sprintf("launched %s from %s: %s",
			strings.Join(where, ", "), lp.config.Template+":"+lp.version, lp.why),
			p.fields("count", strconv.Itoa(len(ok)), "instances", strings.Join(ids, ","))))
	}
	s.launched(g, len(failures) == 0)
	if len(failures) == 0 {
		return
	}
	reason := fmt.Sprintf("launching from %s:%s failed: %s", lp.config.Template, lp.version, strings.Join(failures, "; "))
	s.appendEvents(s.groupEvent(EventLaunchFailed, g.Name, reason, p.fields()))
	if lp.phase != "" {
		if err := s.failRefresh(p.refreshID, lp.phase, reason); err != nil {
			slog.Warn("autoscaling: recording a refresh failure", "refresh", p.refreshID, "err", err)
		}
	}
}

// launched records the outcome of a group's launch: failures back off.
func (s *Service) launched(g Group, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		delete(s.backoff, g.Name)
		return
	}
	b := s.backoff[g.Name]
	b.failures++
	d := s.profile.HealthInterval << min(b.failures-1, 6)
	b.until = s.clock.Now().Add(min(max(d, launchBackoffMin), launchBackoffMax))
	s.backoff[g.Name] = b
}

// Launch backoff after failures: it doubles from the health check interval.
const (
	launchBackoffMin = time.Second
	launchBackoffMax = time.Minute
)

// launchBlockedUntil is when the group may launch again after failures.
func (s *Service) launchBlockedUntil(group string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.backoff[group].until
}

func (s *Service) appendEvents(evs ...store.Event) {
	if len(evs) == 0 {
		return
	}
	err := s.db.Update(func(tx *store.Tx) error {
		for _, e := range evs {
			if _, err := tx.Append(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrTxDone) {
		slog.Warn("autoscaling: appending events", "err", err)
	}
}
