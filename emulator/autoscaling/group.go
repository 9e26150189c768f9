package autoscaling

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// CreateGroup makes a group; the reconcile loop then launches its instances.
func (s *Service) CreateGroup(ctx context.Context, spec GroupSpec) (GroupDetail, error) {
	g, err := s.newGroup(ctx, spec)
	if err != nil {
		return GroupDetail{}, err
	}
	err = s.db.Update(func(tx *store.Tx) error {
		// Again in this transaction: DeleteTemplate may have run since
		// newGroup looked, and a group must not launch from a template gone.
		if _, err := s.compute.ResolveVersionIn(tx, g.Template, g.TemplateVersion); err != nil {
			return err
		}
		if _, err := tx.PutIf(kindGroup, g.Name, g, 0); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errdefs.Conflict("group %q already exists: change it with 'cattle groups scale %s', or remove it with 'cattle groups rm %s'", g.Name, g.Name, g.Name)
			}
			return err
		}
		lb := ""
		if g.LoadBalancer != "" {
			lb = ", load balancer " + g.LoadBalancer
		}
		_, err := tx.Append(s.groupEvent(EventGroupCreated, g.Name, fmt.Sprintf(
			"group %s created: %s:%s, min %d, desired %d, max %d, zones %s%s, health check %s (grace %s)",
			g.Name, g.Template, g.TemplateVersion, g.Min, g.Desired, g.Max, strings.Join(g.Zones, ","), lb,
			g.HealthCheckType, g.HealthCheckGracePeriod), nil))
		return err
	})
	if err != nil {
		return GroupDetail{}, err
	}
	s.Notify()
	return s.Group(ctx, g.Name)
}

// newGroup validates a spec and fills in its defaults.
func (s *Service) newGroup(ctx context.Context, spec GroupSpec) (Group, error) {
	if err := validateName(spec.Name); err != nil {
		return Group{}, err
	}
	name, version := compute.SplitTemplateRef(spec.Template)
	if spec.TemplateVersion != "" {
		version = spec.TemplateVersion
	}
	if name == "" {
		return Group{}, errdefs.Invalid("a group needs a launch template: pass --template NAME[:VERSION]")
	}
	t, _, err := s.compute.Template(ctx, name)
	if err != nil {
		return Group{}, err
	}
	switch {
	case version == "":
		// A bare name pins the default version as it is now.
		version = strconv.Itoa(t.DefaultVersion)
	case isRole(version):
	default:
		if _, err := s.compute.ResolveVersion(ctx, name, version); err != nil {
			return Group{}, err
		}
	}
	desired := spec.Min
	if spec.Desired != nil {
		desired = *spec.Desired
	}
	if err := validateCapacity(spec.Min, desired, spec.Max); err != nil {
		return Group{}, err
	}
	zones, err := normalizeZones(spec.Zones)
	if err != nil {
		return Group{}, err
	}
	hc, err := normalizeHealthCheckType(spec.HealthCheckType, spec.LoadBalancer)
	if err != nil {
		return Group{}, err
	}
	grace := Duration(s.profile.GracePeriod)
	if spec.HealthCheckGracePeriod != nil {
		grace = *spec.HealthCheckGracePeriod
	}
	if grace < 0 {
		return Group{}, errdefs.Invalid("health check grace period %s is negative", grace)
	}
	maxHealthy := spec.MaxHealthyPercentage
	if maxHealthy == 0 {
		maxHealthy = 100
	}
	if err := validateMaxHealthy(maxHealthy); err != nil {
		return Group{}, err
	}
	drift, err := normalizeDrift(spec.Drift)
	if err != nil {
		return Group{}, err
	}
	if spec.LoadBalancer != "" {
		if s.lb == nil {
			return Group{}, fmt.Errorf("%w: this daemon has no load balancers: create the group without --lb", errdefs.ErrUnavailable)
		}
		if err := s.lb.Check(ctx, spec.LoadBalancer); err != nil {
			return Group{}, err
		}
	}
	return Group{
		Name: spec.Name, Template: name, TemplateVersion: version,
		Min: spec.Min, Max: spec.Max, Desired: desired, Zones: zones,
		LoadBalancer: spec.LoadBalancer, HealthCheckType: hc, HealthCheckGracePeriod: grace,
		MaxHealthyPercentage: maxHealthy, CreatedAt: s.clock.Now().UTC(), Drift: drift,
		Tags: spec.Tags, DefaultInstanceWarmup: spec.DefaultInstanceWarmup,
	}, nil
}

// Groups lists every group with its instances, by name.
func (s *Service) Groups(ctx context.Context) ([]GroupDetail, error) {
	groups, active, err := s.loadState()
	if err != nil {
		return nil, err
	}
	insts, err := s.compute.Instances(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]GroupDetail, 0, len(groups))
	for _, g := range groups {
		var r *Refresh
		if a, ok := active[g.Name]; ok {
			r = &a
		}
		out = append(out, s.detail(g, r, insts))
	}
	return out, nil
}

// Group returns one group with its instances.
func (s *Service) Group(ctx context.Context, name string) (GroupDetail, error) {
	var g Group
	var r *Refresh
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if g, _, err = getGroup(tx, name); err != nil {
			return err
		}
		a, ok, err := activeRefresh(tx, name)
		if ok {
			r = &a
		}
		return err
	})
	if err != nil {
		return GroupDetail{}, err
	}
	insts, err := s.compute.Instances(ctx)
	if err != nil {
		return GroupDetail{}, err
	}
	return s.detail(g, r, insts), nil
}

// detail is g with its instances and r, its active refresh (nil: none).
func (s *Service) detail(g Group, r *Refresh, insts []compute.Instance) GroupDetail {
	d := GroupDetail{Group: g, Instances: []compute.Instance{}}
	now := s.clock.Now()
	v := s.viewOf(g, insts)
	for _, m := range v.members {
		if inService(g, m, 0, now) {
			d.Healthy++
		}
	}
	// compute lists instances in launch order: so are these.
	for _, inst := range insts {
		if inst.Group == g.Name && inst.Live() {
			d.Instances = append(d.Instances, inst)
		}
	}
	d.Refresh = r
	if g.Policy != nil {
		d.Metric = s.lastReading(g.Name)
	}
	return d
}

func groupNotFound(name string) error {
	return errdefs.NotFound("group %q does not exist: list groups with 'cattle groups ls'", name)
}

// getGroup reads a group in tx, with its revision.
func getGroup(tx *store.Tx, name string) (Group, uint64, error) {
	var g Group
	rev, err := tx.Get(kindGroup, name, &g)
	if errors.Is(err, errdefs.ErrNotFound) {
		return g, 0, groupNotFound(name)
	}
	return g, rev, err
}

// ScaleGroup changes a group's desired (and optionally min and max) capacity.
func (s *Service) ScaleGroup(ctx context.Context, name string, spec ScaleSpec) (GroupDetail, error) {
	if spec.Desired == nil && spec.Min == nil && spec.Max == nil {
		return GroupDetail{}, errdefs.Invalid("nothing to change: pass --desired N (and --min, --max)")
	}
	err := s.db.Update(func(tx *store.Tx) error {
		g, rev, err := getGroup(tx, name)
		if err != nil {
			return err
		}
		if g.Status == StatusDeleting {
			return errdefs.Conflict("group %s is being deleted", name)
		}
		before := g
		if spec.Min != nil {
			g.Min = *spec.Min
		}
		if spec.Max != nil {
			g.Max = *spec.Max
		}
		if spec.Desired != nil {
			g.Desired = *spec.Desired
		}
		if err := validateCapacity(g.Min, g.Desired, g.Max); err != nil {
			return err
		}
		if _, err := tx.PutIf(kindGroup, name, g, rev); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent(EventGroupScale, name, fmt.Sprintf("group %s desired capacity %d -> %d (min %d, max %d)",
			name, before.Desired, g.Desired, g.Min, g.Max), map[string]string{"desired": strconv.Itoa(g.Desired)}))
		return err
	})
	if err != nil {
		return GroupDetail{}, err
	}
	s.Notify()
	return s.Group(ctx, name)
}

// DeleteGroup marks a group for deletion and waits until the reconcile
// loop has drained and terminated its instances and removed it. A refresh
// in progress refuses it unless force, which cancels the refresh. If ctx
// ends first, the deletion still completes in the background.
func (s *Service) DeleteGroup(ctx context.Context, name string, force bool) error {
	err := s.db.Update(func(tx *store.Tx) error {
		g, rev, err := getGroup(tx, name)
		if err != nil || g.Status == StatusDeleting {
			return err
		}
		r, ok, err := activeRefresh(tx, name)
		if err != nil {
			return err
		}
		if ok {
			if !force {
				return errdefs.Conflict("group %s has instance refresh %s %s: wait for it, cancel it with 'cattle groups cancel-refresh %s', or pass --force",
					name, r.ID, r.Status, name)
			}
			s.finish(&r, RefreshCancelled, "cancelled: the group was deleted")
			if err := s.putRefresh(tx, &r, s.refreshEvent(EventRefreshStatus, r, "refresh "+r.ID+" Cancelled: group "+name+" was deleted")); err != nil {
				return err
			}
		}
		g.Status = StatusDeleting
		if _, err := tx.PutIf(kindGroup, name, g, rev); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent(EventGroupDeleting, name, "group "+name+" is being deleted: draining and terminating its instances", nil))
		return err
	})
	if err != nil {
		return err
	}
	s.Notify()
	return s.waitGone(ctx, name)
}

// CheckLoadBalancerUnused refuses, with a conflict, to let a load
// balancer go while a group (not being deleted) registers its instances
// there, as AWS refuses to delete a target group in use (ResourceInUse).
// It is the load balancers' BeforeDelete hook.
func (s *Service) CheckLoadBalancerUnused(ctx context.Context, name string) error {
	var users []string
	err := s.db.View(func(tx *store.Tx) error {
		groups, _, err := loadStateIn(tx)
		for _, g := range groups {
			if g.LoadBalancer == name && g.Status != StatusDeleting {
				users = append(users, g.Name)
			}
		}
		return err
	})
	if err != nil || len(users) == 0 {
		return err
	}
	return errdefs.Conflict("ResourceInUse: target group %s is used by auto scaling group %s: delete the group first ('cattle groups rm %s')",
		name, strings.Join(users, ", "), users[0])
}

// CheckTemplateUnused refuses, with a conflict, to let a launch template
// go while a group launches from it (or its refresh in progress launches
// or rolls back to it): every launch of that group would fail. A group
// being deleted launches nothing and does not count. It is compute's
// BeforeDeleteTemplate hook, and reads in the transaction that deletes.
func (s *Service) CheckTemplateUnused(tx *store.Tx, template string) error {
	groups, active, err := loadStateIn(tx)
	if err != nil {
		return err
	}
	var users, fixes []string
	for _, g := range groups {
		r, refreshing := active[g.Name]
		uses := g.Template == template ||
			refreshing && (r.Target.Template == template || r.Previous.Template == template)
		if uses && g.Status != StatusDeleting {
			users = append(users, g.Name)
			fixes = append(fixes, "'cattle groups rm "+g.Name+"'")
		}
	}
	switch len(users) {
	case 0:
		return nil
	case 1:
		return errdefs.Conflict("template %q is used by auto scaling group %s: delete group %s first with %s",
			template, users[0], users[0], fixes[0])
	}
	return errdefs.Conflict("template %q is used by auto scaling groups %s: delete them first with %s",
		template, strings.Join(users, ", "), strings.Join(fixes, ", "))
}

func (s *Service) waitGone(ctx context.Context, name string) error {
	ch, cancel := s.db.Subscribe()
	defer cancel()
	for {
		var gone bool
		err := s.db.View(func(tx *store.Tx) error {
			_, _, err := getGroup(tx, name)
			gone = errors.Is(err, errdefs.ErrNotFound)
			if gone {
				return nil
			}
			return err
		})
		if err != nil || gone {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-ch:
			if !ok {
				return errors.New("the state file was closed before group " + name + " was deleted")
			}
		}
	}
}
