package compute

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

// Labels on instance containers besides the sandbox's own.
const (
	LabelZone     = "dev.cattle.zone"
	LabelTemplate = "dev.cattle.template"
	LabelVersion  = "dev.cattle.template-version"
	LabelGroup    = "dev.cattle.group"
	RoleInstance  = "instance"
)

// MaxRunCount bounds one run request, as EC2's per-request limits do.
const MaxRunCount = 100

var instanceIDPattern = regexp.MustCompile(`^i-[0-9a-f]{17}$`)

// RunRequest asks for instances from a template version.
type RunRequest struct {
	Template string            // template name
	Version  string            // number, $Latest or $Default ("" = $Default)
	Count    int               // how many (default 1)
	Zone     string            // "" spreads over the zones
	Group    string            // the auto scaling group launching them, if any
	Tags     map[string]string // copied onto the instances
	// PendingLimit, when set, is how long one launch attempt may keep an
	// instance pending while the engine answers: past it the launch is
	// abandoned and the instance terminated, so its group replaces it. Time
	// the engine is away does not count (the launch waits for it).
	PendingLimit time.Duration
	// OnRunning, when set, is called with each instance as soon as its
	// container runs, before the others of the request are done: a group
	// registers its targets then, rather than when the slowest has started.
	OnRunning func(Instance)
}

// RunInstances launches instances and returns them once their containers
// run (or their launch failed, which leaves them terminated with a reason).
func (s *Service) RunInstances(ctx context.Context, req RunRequest) ([]Instance, error) {
	if req.Count == 0 {
		req.Count = 1
	}
	if req.Count < 0 || req.Count > MaxRunCount {
		return nil, errdefs.Invalid("count %d is out of range: use 1-%d", req.Count, MaxRunCount)
	}
	if req.Zone != "" && !validZone(req.Zone) {
		return nil, errdefs.Invalid("unknown zone %q: use one of zone-a, zone-b, zone-c", req.Zone)
	}
	if err := s.zoneDownError(req.Zone); err != nil {
		return nil, err
	}
	if req.Template == "" {
		return nil, errdefs.Invalid("no template given: name the launch template to run instances from")
	}
	v, err := s.ResolveVersion(ctx, req.Template, req.Version)
	if err != nil {
		return nil, err
	}
	itype, err := LookupInstanceType(v.InstanceType)
	if err != nil {
		return nil, err
	}
	if err := s.checkEngine(ctx); err != nil {
		return nil, err
	}
	src, err := s.launchImage(ctx, v)
	if err != nil {
		return nil, err
	}
	insts, err := s.createPending(req, v, itype, src)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for i := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			insts[i] = s.launch(ctx, insts[i], v, itype, req.PendingLimit)
			if req.OnRunning != nil && insts[i].State == StateRunning {
				req.OnRunning(insts[i])
			}
		}()
	}
	wg.Wait()
	return insts, nil
}

// createPending records the new instances as pending, all in one
// transaction. They are marked busy before the transaction commits: a
// reconcile that sees them pending must know they are being launched.
func (s *Service) createPending(req RunRequest, v TemplateVersion, itype InstanceType, src launchSource) ([]Instance, error) {
	hash := configHash(v, itype)
	now := s.now()
	ids := make([]string, req.Count)
	for i := range ids {
		ids[i] = NewInstanceID()
	}
	s.markBusy(ids...)
	var insts []Instance
	err := s.db.Update(func(tx *store.Tx) error {
		zones, err := s.zonePlan(tx, req)
		if err != nil {
			return err
		}
		insts = insts[:0]
		for i := 0; i < req.Count; i++ {
			inst := Instance{
				ID: ids[i], State: StatePending, StateCode: StateCode(StatePending),
				Template: v.TemplateName, TemplateID: v.TemplateID, TemplateVersion: v.Version,
				Image: v.Image, ImageDigest: v.ImageDigest, ImageRef: src.ref, ImageID: src.id,
				InstanceType: itype.Name, Zone: zones[i],
				Port: v.Port, ConfigHash: hash, Group: req.Group, Tags: instanceTags(v.Tags, req.Tags),
				LaunchedAt: now, StateChangedAt: now,
			}
			if _, err := tx.PutIf(kindInstance, inst.ID, inst, 0); err != nil {
				return err
			}
			if _, err := tx.Append(stateEvent(inst, "")); err != nil {
				return err
			}
			insts = append(insts, inst)
		}
		return nil
	})
	if err != nil {
		for _, id := range ids {
			s.unmarkBusy(id)
		}
	}
	return insts, err
}

// instanceTags are a version's tags with a run's own over them.
func instanceTags(version, run map[string]string) map[string]string {
	if len(version) == 0 {
		return run
	}
	out := maps.Clone(version)
	maps.Copy(out, run)
	return out
}

// zonePlan picks a zone for each new instance, filling the least used first.
func (s *Service) zonePlan(tx *store.Tx, req RunRequest) ([]string, error) {
	plan := make([]string, req.Count)
	if req.Zone != "" {
		for i := range plan {
			plan[i] = req.Zone
		}
		return plan, nil
	}
	count := map[string]int{}
	all, err := store.List[Instance](tx, kindInstance)
	if err != nil {
		return nil, err
	}
	for _, inst := range all {
		if inst.Live() && inst.Group == req.Group {
			count[inst.Zone]++
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range plan {
		best := ""
		for j := range Zones {
			z := Zones[(s.zoneNext+j)%len(Zones)]
			if s.zonesDown[z] {
				continue
			}
			if best == "" || count[z] < count[best] {
				best = z
			}
		}
		if best == "" { // every zone down: the launch fails there
			best = Zones[s.zoneNext%len(Zones)]
		}
		s.zoneNext++
		plan[i] = best
		count[best]++
	}
	return plan, nil
}

// launch creates and starts the container of a pending instance. When
// the engine goes away meanwhile, the instance stays pending while the
// launch waits for it (as long as ctx lasts, within engineWaitLimit): then
// it adopts the container if it runs, or clears what was left and starts
// again. Given up, the instance is left pending for the reconcile.
func (s *Service) launch(ctx context.Context, inst Instance, v TemplateVersion, itype InstanceType, limit time.Duration) Instance {
	defer s.unmarkBusy(inst.ID)
	// The launch goes on when the caller gives up waiting: the instance
	// is recorded already, and a client's timeout is no launch failure.
	work := context.WithoutCancel(ctx)
	for {
		out, err := s.launchOnce(work, inst, v, itype, limit)
		if !errors.Is(err, errdefs.ErrUnavailable) {
			return out
		}
		s.engine.observe(err, s.now())
		if !s.awaitEngine(ctx) {
			return inst
		}
		if out, done := s.afterOutage(work, inst); done {
			return out
		}
	}
}

// launchOnce tries a launch once. A failure of the engine's making ends
// the instance, and so does an attempt still pending past limit (when
// set): an engine that hangs must not hold the instance's group; an engine
// away (errdefs.ErrUnavailable) leaves it pending.
// The wait for a launch slot is no part of the attempt's limit: the
// engine is not slow, only busy with the others.
func (s *Service) launchOnce(ctx context.Context, inst Instance, v TemplateVersion, itype InstanceType, limit time.Duration) (Instance, error) {
	s.launchSlots <- struct{}{}
	slot := sync.OnceFunc(func() { <-s.launchSlots })
	defer slot()
	attempt, cancel := ctx, context.CancelFunc(func() {})
	if limit > 0 {
		attempt, cancel = context.WithTimeout(ctx, limit)
	}
	defer cancel()
	spec := s.containerSpec(inst, v, itype)
	id, err := s.rt.Create(attempt, spec)
	if err == nil {
		inst.ContainerID = id
		err = s.rt.Start(attempt, id)
	}
	var c sandbox.Container
	if err == nil {
		c, err = s.rt.Inspect(attempt, id)
	}
	slot() // the engine's part is done
	stuck := err != nil && errors.Is(attempt.Err(), context.DeadlineExceeded)
	if errors.Is(err, errdefs.ErrUnavailable) && !stuck {
		return inst, err
	}
	if err != nil {
		s.removeAbandoned(ctx, inst, limit)
		reason := "Server.InternalError: launch failed: " + err.Error()
		if stuck {
			reason = fmt.Sprintf("Server.InternalError: launch abandoned: still pending after %s (the engine did not finish creating and starting the container)", limit)
		}
		out, _ := s.transition(inst.ID, StateTerminated, reason, nil)
		return out, nil
	}
	out, err := s.transition(inst.ID, StateRunning, "", func(i *Instance) {
		i.ContainerID = id
		if c.HostPort > 0 {
			i.Address = "127.0.0.1:" + strconv.Itoa(c.HostPort)
		}
	})
	if err != nil {
		return inst, nil
	}
	return out, nil
}

// removeAbandoned removes what a failed launch attempt created, within a
// bound of its own when the attempt had one (the engine may still hang);
// what is left then, the reconcile removes once the engine answers.
func (s *Service) removeAbandoned(ctx context.Context, inst Instance, limit time.Duration) {
	if inst.ContainerID == "" {
		return
	}
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	_ = s.rt.Remove(ctx, inst.ContainerID, true)
}

// afterOutage settles a launch the engine's absence interrupted: a
// container that runs is adopted (done); any other is removed, so that the
// launch can start again.
func (s *Service) afterOutage(ctx context.Context, inst Instance) (Instance, bool) {
	cs, err := s.instanceContainers(ctx, inst.ID)
	if err != nil {
		return inst, false
	}
	for _, c := range cs {
		if c.State == sandbox.StateRunning {
			if out, err := s.transition(inst.ID, StateRunning, "", adoptContainer(c)); err == nil {
				return out, true
			}
		}
	}
	for _, c := range cs {
		_ = s.rt.Remove(ctx, c.ID, true)
	}
	return inst, false
}

func (s *Service) containerSpec(inst Instance, v TemplateVersion, itype InstanceType) sandbox.ContainerSpec {
	env := make([]string, 0, len(v.Env)+4)
	for k, val := range v.Env {
		env = append(env, k+"="+val)
	}
	sort.Strings(env)
	env = append(env, "CATTLE_INSTANCE_ID="+inst.ID, "CATTLE_ZONE="+inst.Zone,
		"CATTLE_TEMPLATE="+inst.Template, "CATTLE_TEMPLATE_VERSION="+strconv.Itoa(inst.TemplateVersion))
	labels := map[string]string{
		sandbox.LabelSandbox:    s.sandbox,
		sandbox.LabelInstance:   inst.ID,
		sandbox.LabelConfigHash: inst.ConfigHash,
		sandbox.LabelRole:       RoleInstance,
		LabelZone:               inst.Zone,
		LabelTemplate:           inst.Template,
		LabelVersion:            strconv.Itoa(inst.TemplateVersion),
	}
	if inst.Group != "" {
		labels[LabelGroup] = inst.Group
	}
	return sandbox.ContainerSpec{
		Name:      "cattle-" + s.sandbox + "-" + inst.ID,
		Image:     cmp.Or(inst.ImageRef, v.ImageDigest),
		Cmd:       v.Command,
		Env:       env,
		Labels:    labels,
		Network:   s.network,
		Port:      v.Port,
		Memory:    itype.MemoryMB << 20,
		NanoCPUs:  int64(itype.CPUs * 1e9),
		PidsLimit: itype.PidsLimit,
		CapAdd:    v.CapAdd,
	}
}

// configHash is the hash of everything that decides what an instance runs;
// a container whose label differs was not made from its template version.
func configHash(v TemplateVersion, itype InstanceType) string {
	b, _ := json.Marshal(struct {
		Digest  string            `json:"digest"`
		Env     map[string]string `json:"env"`
		Command []string          `json:"command"`
		Port    int               `json:"port"`
		Type    InstanceType      `json:"type"`
		CapAdd  []string          `json:"cap_add,omitempty"`
	}{v.ImageDigest, v.Env, v.Command, v.Port, itype, v.CapAdd})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// transition moves an instance to state (recording an event when the state
// changes) and applies mutate to it, in one transaction.
func (s *Service) transition(id, state, reason string, mutate func(*Instance)) (Instance, error) {
	var out Instance
	var changed bool
	err := s.db.Update(func(tx *store.Tx) error {
		inst, err := store.Get[Instance](tx, kindInstance, id)
		if err != nil {
			return err
		}
		prev := inst.State
		if mutate != nil {
			mutate(&inst)
		}
		if prev == StateTerminated && state != StateTerminated {
			// Nothing comes back from terminated.
			state = StateTerminated
		}
		changed = prev != state
		if changed {
			now := s.now()
			inst.State, inst.StateCode, inst.StateChangedAt = state, StateCode(state), now
			if reason != "" {
				inst.StateReason = reason
			}
			if state == StateTerminated {
				inst.TerminatedAt = &now
				inst.Address = ""
			}
			if _, err := tx.Append(stateEvent(inst, prev)); err != nil {
				return err
			}
		}
		out = inst
		_, err = tx.Put(kindInstance, id, inst)
		return err
	})
	if err == nil && changed && s.hooks.StateChanged != nil {
		s.hooks.StateChanged(out)
	}
	return out, err
}

func stateEvent(inst Instance, prev string) store.Event {
	// With EC2's state codes: 0 pending, 16 running, 32 shutting-down,
	// 48 terminated, 64 stopping, 80 stopped.
	msg := fmt.Sprintf("%s %s (%d)", inst.ID, inst.State, inst.StateCode)
	if prev != "" {
		msg = fmt.Sprintf("%s %s (%d) -> %s (%d)", inst.ID, prev, StateCode(prev), inst.State, inst.StateCode)
	}
	if inst.StateReason != "" && (inst.State == StateTerminated || inst.State == StateStopped) {
		msg += " (" + inst.StateReason + ")"
	}
	fields := map[string]string{"state": inst.State, "code": strconv.Itoa(inst.StateCode), "template": inst.Template,
		"version": strconv.Itoa(inst.TemplateVersion), "zone": inst.Zone}
	if inst.Group != "" {
		fields["group"] = inst.Group
	}
	return store.Event{Kind: "instance.state", Resource: "instance/" + inst.ID, Message: msg, Fields: fields}
}

// Instances lists instances, terminated ones included while still visible.
func (s *Service) Instances(ctx context.Context) ([]Instance, error) {
	var out []Instance
	err := s.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List[Instance](tx, kindInstance)
		return err
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].LaunchedAt.Before(out[j].LaunchedAt) })
	return out, err
}

// Instance returns one instance.
func (s *Service) Instance(ctx context.Context, id string) (Instance, error) {
	if !instanceIDPattern.MatchString(id) {
		return Instance{}, errdefs.Invalid("instance id %q is malformed: ids look like i-0123456789abcdef0", id)
	}
	var out Instance
	err := s.db.View(func(tx *store.Tx) (err error) {
		out, err = store.Get[Instance](tx, kindInstance, id)
		if errors.Is(err, errdefs.ErrNotFound) {
			return errdefs.NotFound("instance %s does not exist: list instances with 'cattle instances ls'", id)
		}
		return err
	})
	return out, err
}

// instancesOf reads the instances of ids: all of them, or an error for
// the first unknown one.
func (s *Service) instancesOf(ctx context.Context, ids []string) ([]Instance, error) {
	if len(ids) == 0 {
		return nil, errdefs.Invalid("no instance ids given: name at least one")
	}
	insts := make([]Instance, len(ids))
	for i, id := range ids {
		inst, err := s.Instance(ctx, id)
		if err != nil {
			return nil, err
		}
		insts[i] = inst
	}
	return insts, nil
}

// Terminate terminates instances and returns them terminated. It is
// idempotent, and all-or-nothing: if any id is unknown, none is touched.
func (s *Service) Terminate(ctx context.Context, ids []string, reason string) ([]Instance, error) {
	insts, err := s.instancesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		reason = "Client.UserInitiatedShutdown: user initiated shutdown"
	}
	var wg sync.WaitGroup
	errs := make([]error, len(insts))
	for i := range insts {
		if !insts[i].Live() || s.isBusy(insts[i].ID) && insts[i].State == StateShuttingDown {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			insts[i], errs[i] = s.terminate(ctx, insts[i], reason)
		}()
	}
	wg.Wait()
	return insts, errors.Join(errs...)
}

// terminate takes one instance through shutting-down to terminated.
func (s *Service) terminate(ctx context.Context, inst Instance, reason string) (Instance, error) {
	s.markBusy(inst.ID)
	defer s.unmarkBusy(inst.ID)
	inst, err := s.transition(inst.ID, StateShuttingDown, reason, nil)
	if err != nil {
		return inst, err
	}
	if s.hooks.BeforeStop != nil {
		s.hooks.BeforeStop(ctx, inst)
	}
	// The container goes even when the caller gives up waiting: a half
	// terminated instance helps nobody.
	ctx = context.WithoutCancel(ctx)
	if inst.ContainerID != "" {
		// An engine away leaves the instance shutting down: the
		// reconcile finishes it when the engine is back.
		if err := s.rt.Stop(ctx, inst.ContainerID, s.profile.StopTimeout); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			s.engine.observe(err, s.now())
			return inst, fmt.Errorf("stopping %s: %w", inst.ID, err)
		}
		if err := s.rt.Remove(ctx, inst.ContainerID, true); err != nil {
			s.engine.observe(err, s.now())
			return inst, fmt.Errorf("removing the container of %s: %w", inst.ID, err)
		}
	}
	return s.transition(inst.ID, StateTerminated, reason, nil)
}

// Logs returns the last tail lines (0: all) of an instance's output.
func (s *Service) Logs(ctx context.Context, id string, tail int) ([]byte, error) {
	inst, err := s.Instance(ctx, id)
	if err != nil {
		return nil, err
	}
	if inst.ContainerID == "" || !inst.Live() {
		return nil, errdefs.Conflict("instance %s is %s: its container is gone, and its logs with it", id, inst.State)
	}
	if err := s.checkEngine(ctx); err != nil {
		return nil, err
	}
	out, err := s.rt.Logs(ctx, inst.ContainerID, tail)
	s.engine.observe(err, s.now())
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil, errdefs.NotFound("instance %s has no container any more (removed outside cattle): its logs are gone with it", id)
	}
	return out, err
}
