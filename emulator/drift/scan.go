package drift

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
)

// target is one instance a scan compares with its container.
type target struct {
	inst compute.Instance
	c    sandbox.Container
	diff []Difference
	err  error
	gone bool // the instance began terminating while the scan read
}

// Scan compares every instance of the sandbox (of group, when given) with
// its container, reports what differs, and remediates by each group's
// setting. Instances launching or terminating are left out: they are
// between two states, not drifted. Containers carrying the sandbox's label
// that no instance owns are reported, never touched.
func (s *Service) Scan(ctx context.Context, group string) (Report, error) {
	insts, err := s.cfg.Compute.Instances(ctx)
	if err != nil {
		return Report{}, err
	}
	cs, err := s.cfg.Runtime.List(ctx, map[string]string{sandbox.LabelSandbox: s.cfg.Sandbox})
	if err != nil {
		return Report{}, err
	}
	byInst := map[string][]sandbox.Container{}
	for _, c := range cs {
		byInst[c.Labels[sandbox.LabelInstance]] = append(byInst[c.Labels[sandbox.LabelInstance]], c)
	}
	var targets []*target
	var reports []InstanceReport
	for _, inst := range insts {
		if group != "" && inst.Group != group {
			continue
		}
		if inst.State != compute.StateRunning && inst.State != compute.StateStopped || s.cfg.Compute.Busy(inst.ID) {
			continue // launching, terminating or gone: not drift
		}
		c, ok := pick(inst, byInst[inst.ID])
		if !ok {
			reports = append(reports, deleted(inst))
			continue
		}
		targets = append(targets, &target{inst: inst, c: c})
	}
	if err := s.compareAll(ctx, targets); err != nil {
		return Report{}, err
	}
	for _, t := range targets {
		if !t.gone {
			reports = append(reports, s.reportOf(t))
		}
	}
	reports = s.confirm(ctx, reports)
	// What compute acted on while the scan read is told from memory.
	scanned := map[string]bool{}
	for _, r := range reports {
		scanned[r.ID] = true
	}
	reports = append(reports, s.recentReports(group, scanned)...)
	if group == "" {
		reports = append(reports, unmanaged(insts, cs)...)
	}
	s.remediateAll(ctx, reports)
	if group == "" {
		s.forgetGone(reports)
	}
	sort.SliceStable(reports, func(i, j int) bool { return reports[i].ID < reports[j].ID })
	if reports == nil {
		reports = []InstanceReport{}
	}
	return Report{ScannedAt: s.now().UTC(), Group: group, Summary: summarize(reports), Instances: reports,
		Replaced: s.replacedLately(group)}, nil
}

// pick is the instance's own container among those labelled with its id.
func pick(inst compute.Instance, cs []sandbox.Container) (sandbox.Container, bool) {
	for _, c := range cs {
		if c.ID == inst.ContainerID {
			return c, true
		}
	}
	if len(cs) > 0 {
		return cs[0], true // made again under the same labels
	}
	return sandbox.Container{}, false
}

func deleted(inst compute.Instance) InstanceReport {
	return InstanceReport{ID: inst.ID, Group: inst.Group, Zone: inst.Zone, Container: short(inst.ContainerID),
		Status: StatusDeleted, Kind: KindMissing, Differences: []Difference{{Kind: KindMissing, Field: "container",
			Expected: "present", Actual: "absent", Change: ChangeRemove}}}
}

// compareAll compares the targets, at most Workers at once: reading a
// container's changes walks its writable layer, the slow part of a scan.
func (s *Service) compareAll(ctx context.Context, targets []*target) error {
	exp := newExpectations(s)
	sem := make(chan struct{}, s.cfg.Workers)
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t.diff, t.err = s.compareOne(ctx, exp, t)
		}()
	}
	wg.Wait()
	var errs []error
	for _, t := range targets {
		if t.err == nil || errors.Is(t.err, errdefs.ErrNotFound) {
			continue
		}
		// A container removed while the scan read it (its instance is
		// being terminated: a refresh, a scale-in) fails its read with
		// whatever the storage driver says; that is no scan error.
		if s.leftSince(ctx, t.inst.ID) {
			t.gone = true
			continue
		}
		errs = append(errs, t.err)
	}
	return errors.Join(errs...)
}

// leftSince reports whether the instance is no longer one a scan reads:
// busy (terminating), gone, or neither running nor stopped.
func (s *Service) leftSince(ctx context.Context, id string) bool {
	if s.cfg.Compute.Busy(id) {
		return true
	}
	inst, err := s.cfg.Compute.Instance(ctx, id)
	return errors.Is(err, errdefs.ErrNotFound) || err == nil && inst.State != compute.StateRunning && inst.State != compute.StateStopped
}

func (s *Service) compareOne(ctx context.Context, exp *expectations, t *target) ([]Difference, error) {
	e, err := exp.of(ctx, t.inst)
	if err != nil {
		return nil, err
	}
	var changes []sandbox.Change
	if t.c.State == sandbox.StateRunning || t.c.State == sandbox.StatePaused {
		if changes, err = s.cfg.Runtime.Changes(ctx, t.c.ID); err != nil {
			return nil, fmt.Errorf("reading the changes of %s: %w", t.inst.ID, err)
		}
	}
	diffs := compare(e, t.c, changes)
	if t.c.State == sandbox.StateRunning {
		diffs = append(diffs, appDifferences(ctx, e)...)
	}
	return diffs, nil
}

func (s *Service) reportOf(t *target) InstanceReport {
	r := InstanceReport{ID: t.inst.ID, Group: t.inst.Group, Zone: t.inst.Zone, Container: short(t.c.ID),
		Status: StatusInSync, Differences: t.diff}
	if errors.Is(t.err, errdefs.ErrNotFound) {
		return deleted(t.inst) // removed while the scan looked
	}
	if len(t.diff) > 0 {
		r.Status, r.Kind = StatusModified, kindOf(t.diff)
	}
	if r.Differences == nil {
		r.Differences = []Difference{}
	}
	return r
}

// confirm drops the drift of instances that changed state while the scan
// read them: a termination or a replacement under way is no drift.
func (s *Service) confirm(ctx context.Context, reports []InstanceReport) []InstanceReport {
	out := reports[:0]
	for _, r := range reports {
		if r.Status != StatusInSync {
			inst, err := s.cfg.Compute.Instance(ctx, r.ID)
			if err != nil || inst.State != compute.StateRunning && inst.State != compute.StateStopped || s.cfg.Compute.Busy(r.ID) {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// recentReports are the drifts compute acted on before a scan saw them,
// for two scan intervals.
func (s *Service) recentReports(group string, scanned map[string]bool) []InstanceReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []InstanceReport
	for id, r := range s.recent {
		if s.now().Sub(r.at) > 2*s.Interval() {
			delete(s.recent, id)
			continue
		}
		if scanned[id] || group != "" && r.report.Group != group {
			continue
		}
		out = append(out, r.report)
	}
	return out
}

// unmanaged reports the containers carrying the sandbox's label that no
// instance owns (those of other roles, images' builds, are not instances).
func unmanaged(insts []compute.Instance, cs []sandbox.Container) []InstanceReport {
	known := map[string]bool{}
	for _, i := range insts {
		known[i.ID] = true
	}
	var out []InstanceReport
	for _, c := range cs {
		role := c.Labels[sandbox.LabelRole]
		if role != "" && role != compute.RoleInstance || known[c.Labels[sandbox.LabelInstance]] {
			continue
		}
		id := c.Labels[sandbox.LabelInstance]
		if id == "" {
			id = c.Name
		}
		out = append(out, InstanceReport{ID: id, Container: short(c.ID), Status: StatusUnmanaged, Kind: KindUnmanaged,
			Differences: []Difference{{Kind: KindUnmanaged, Field: "container", Expected: "(none)",
				Actual: c.Name + " (" + string(c.State) + ")", Change: ChangeAdd}},
			Remediation: "none: unmanaged containers are reported, never touched"})
	}
	return out
}

// expectations resolves what instances should run, each template version
// and image once per scan.
type expectations struct {
	s        *Service
	mu       sync.Mutex
	versions map[string]compute.TemplateVersion
	images   map[string]sandbox.Image
}

func newExpectations(s *Service) *expectations {
	return &expectations{s: s, versions: map[string]compute.TemplateVersion{}, images: map[string]sandbox.Image{}}
}

func (x *expectations) of(ctx context.Context, inst compute.Instance) (expectation, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e := expectation{inst: inst, network: x.s.cfg.Network}
	key := inst.Template + ":" + strconv.Itoa(inst.TemplateVersion)
	v, ok := x.versions[key]
	if !ok {
		var err error
		v, err = x.s.cfg.Compute.ResolveVersion(ctx, inst.Template, strconv.Itoa(inst.TemplateVersion))
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return e, err
		}
		x.versions[key] = v
	}
	e.version = v
	itype, err := compute.LookupInstanceType(inst.InstanceType)
	if err != nil {
		return e, err
	}
	e.itype = itype
	img := x.image(ctx, inst)
	e.imageID, e.imageEnv = img.ID, img.Env
	return e, nil
}

// image is the engine's image the instance was launched from: the id
// recorded at launch, else the exact reference it was pulled by, else its
// pinned digest or name (instances launched before launches were pinned).
// Unknown, the image is not compared (an unknown is no drift).
func (x *expectations) image(ctx context.Context, inst compute.Instance) sandbox.Image {
	for _, ref := range []string{inst.ImageID, inst.ImageRef, inst.ImageDigest, inst.Image} {
		if ref == "" {
			continue
		}
		if img, ok := x.images[ref]; ok {
			return img
		}
		img, err := x.s.cfg.Runtime.InspectImage(ctx, ref)
		if err == nil {
			x.images[ref] = img
			return img
		}
	}
	return sandbox.Image{}
}
