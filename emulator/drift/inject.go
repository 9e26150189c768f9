package drift

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// Injectable kinds of drift.
var Kinds = []string{"file", "exec", "kill", "stop", "pause", "delete", "image-swap", "env", "network", "app", "zone-outage"}

// InjectSpec says what drift to inject, and where.
type InjectSpec struct {
	Kind string `json:"kind"`
	// Instance is the target; or Group with Count (random ones, 1 by
	// default) or Zone (every running one there).
	Instance string `json:"instance,omitempty"`
	Group    string `json:"group,omitempty"`
	Count    int    `json:"count,omitempty"`
	Zone     string `json:"zone,omitempty"`
	// file: Path with Content written, or deleted with Delete.
	Path    string `json:"path,omitempty"`
	Content string `json:"content,omitempty"`
	Delete  bool   `json:"delete,omitempty"`
	// exec: the command run inside.
	Command []string `json:"command,omitempty"`
	// image-swap: the image swapped in ("" commits the container, a
	// patched copy of its own image).
	Image string `json:"image,omitempty"`
	// env: KEY=VALUE set in the container made again.
	Env string `json:"env,omitempty"`
	// app: the demo app's faults.
	Latency    string   `json:"latency,omitempty"`
	ErrorRate  *float64 `json:"error_rate,omitempty"`
	FailHealth bool     `json:"fail_health,omitempty"`
	// By is the command that asked, for the event.
	By string `json:"by,omitempty"`
}

// Injected is what an injection changed.
type Injected struct {
	Kind      string   `json:"kind"`
	Instances []string `json:"instances"`
	Zone      string   `json:"zone,omitempty"`
	// Changes say, per instance, exactly what was changed.
	Changes []string `json:"changes"`
}

// validate refuses what cannot apply before anything is touched.
func (spec *InjectSpec) validate() error {
	if !slices.Contains(Kinds, spec.Kind) {
		return errdefs.Invalid("unknown drift kind %q: use one of %s", spec.Kind, strings.Join(Kinds, ", "))
	}
	targets := 0
	for _, set := range []bool{spec.Instance != "", spec.Group != ""} {
		if set {
			targets++
		}
	}
	if spec.Kind == "zone-outage" {
		if spec.Zone == "" || spec.Instance != "" {
			return errdefs.Invalid("a zone outage takes --zone Z (and optionally --group): not an instance")
		}
		return nil
	}
	if targets != 1 {
		return errdefs.Invalid("name one target: an instance id, or --group NAME (with --random, --count N or --zone Z)")
	}
	if spec.Count < 0 || spec.Count > 100 {
		return errdefs.Invalid("count %d is out of range: use 1-100", spec.Count)
	}
	return spec.validateKind()
}

func (spec *InjectSpec) validateKind() error {
	switch spec.Kind {
	case "file":
		if !strings.HasPrefix(spec.Path, "/") {
			return errdefs.Invalid("a file drift needs --path with an absolute path (and --content TEXT or --delete)")
		}
		if spec.Delete && spec.Content != "" {
			return errdefs.Invalid("--delete removes the file: do not give --content beside it")
		}
	case "exec":
		if len(spec.Command) == 0 || spec.Command[0] == "" {
			return errdefs.Invalid("an exec drift needs the command to run: cattle drift inject ID --kind exec -- CMD ARGS")
		}
	case "env":
		if k, _, ok := strings.Cut(spec.Env, "="); spec.Env != "" && (!ok || k == "") {
			return errdefs.Invalid("--env %q is not KEY=VALUE", spec.Env)
		}
	case "app":
		if spec.Latency == "" && spec.ErrorRate == nil && !spec.FailHealth {
			return errdefs.Invalid("an app drift needs --latency D, --error-rate R or --fail-health")
		}
		if spec.ErrorRate != nil && (*spec.ErrorRate < 0 || *spec.ErrorRate > 1) {
			return errdefs.Invalid("error rate %g is out of range: use 0-1", *spec.ErrorRate)
		}
	}
	return nil
}

// targets resolves the instances an injection applies to: running ones.
func (s *Service) targets(ctx context.Context, spec InjectSpec) ([]compute.Instance, error) {
	if spec.Instance != "" {
		inst, err := s.cfg.Compute.Instance(ctx, spec.Instance)
		if err != nil {
			return nil, err
		}
		if inst.State != compute.StateRunning {
			return nil, errdefs.Invalid("instance %s is %s: drift is injected into a running instance", inst.ID, inst.State)
		}
		return []compute.Instance{inst}, nil
	}
	all, err := s.cfg.Compute.Instances(ctx)
	if err != nil {
		return nil, err
	}
	var pool []compute.Instance
	for _, i := range all {
		if i.State == compute.StateRunning && (spec.Group == "" || i.Group == spec.Group) && (spec.Zone == "" || i.Zone == spec.Zone) {
			pool = append(pool, i)
		}
	}
	if len(pool) == 0 {
		where := "group " + spec.Group
		if spec.Group == "" {
			where = "the sandbox"
		}
		if spec.Zone != "" {
			where += " in " + spec.Zone
		}
		return nil, errdefs.NotFound("%s has no running instance to inject drift into", where)
	}
	if spec.Zone != "" || spec.Kind == "zone-outage" {
		return pool, nil
	}
	n := max(spec.Count, 1)
	rand.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	pool = pool[:min(n, len(pool))]
	sort.Slice(pool, func(i, j int) bool { return pool[i].ID < pool[j].ID })
	return pool, nil
}

// Inject breaks instances the way a person would, and records exactly what
// it changed as an event. Bad input changes nothing.
func (s *Service) Inject(ctx context.Context, spec InjectSpec) (Injected, error) {
	if err := spec.validate(); err != nil {
		return Injected{}, err
	}
	if spec.Kind == "zone-outage" {
		return s.zoneOutage(ctx, spec)
	}
	insts, err := s.targets(ctx, spec)
	if err != nil {
		return Injected{}, err
	}
	if err := s.precheck(ctx, spec, insts); err != nil {
		return Injected{}, err
	}
	out := Injected{Kind: spec.Kind}
	var errs []error
	for _, inst := range insts {
		what, err := s.injectOne(ctx, spec, inst)
		if err != nil && len(out.Instances) == 0 && errors.Is(err, errdefs.ErrInvalid) {
			return Injected{}, err // cannot apply: nothing was changed
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", inst.ID, err))
			continue
		}
		out.Instances = append(out.Instances, inst.ID)
		out.Changes = append(out.Changes, inst.ID+": "+what)
		s.recordInjection(spec, inst, what)
	}
	// A scan follows at once, as the next periodic one would: what the
	// injection broke is reported before anything else reacts to it.
	_, _ = s.Scan(ctx, "")
	if len(out.Instances) == 0 && len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	return out, nil
}

func (s *Service) recordInjection(spec InjectSpec, inst compute.Instance, what string) {
	by := spec.By
	if by == "" {
		by = "the API"
	}
	fields := map[string]string{"instance": inst.ID, "kind": spec.Kind, "by": by, "zone": inst.Zone}
	if inst.Group != "" {
		fields["group"] = inst.Group
	}
	if spec.Path != "" {
		fields["path"] = spec.Path
	}
	s.appendEvent(store.Event{Kind: EventInjected, Resource: "instance/" + inst.ID,
		Message: fmt.Sprintf("drift injected into %s (%s) by %q: %s", inst.ID, spec.Kind, by, what), Fields: fields})
}
