package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[createGroup]("group",
		scenarios.Needs(groupsService),
		scenarios.SetupSection("groups", 30),
		scenarios.Doc("create an auto scaling group; with wait, until its instances are in service",
			"group: {name: web, template: web, min: 2, max: 6, desired: 3, load_balancer: web}"))
}

type createGroup struct {
	Name         string                `yaml:"name,required"`
	Template     scenarios.TemplateRef `yaml:"template,required"`
	Min          int                   `yaml:"min"`
	Max          int                   `yaml:"max,required"`
	Desired      *int                  `yaml:"desired"`
	Zones        []string              `yaml:"zones"`
	LoadBalancer string                `yaml:"load_balancer"`
	// HealthCheckType is EC2 or ELB (the default with a load balancer).
	HealthCheckType string              `yaml:"health_check_type"`
	GracePeriod     *scenarios.Duration `yaml:"grace_period"`
	MaxHealthy      int                 `yaml:"max_healthy"`
	// Drift is replace (the default) or report.
	Drift   string             `yaml:"drift"`
	Wait    bool               `yaml:"wait"`
	Timeout scenarios.Duration `yaml:"timeout"`
}

func (g *createGroup) Validate() error {
	desired := g.Min
	if g.Desired != nil {
		desired = *g.Desired
	}
	if g.Min < 0 || g.Min > g.Max || desired < g.Min || desired > g.Max {
		return scenarios.FieldError("desired", "need min <= desired <= max, got %d <= %d <= %d", g.Min, desired, g.Max)
	}
	for _, z := range g.Zones {
		if !slices.Contains(compute.Zones, z) {
			return scenarios.FieldError("zones", "unknown zone %q: use %v", z, compute.Zones)
		}
	}
	switch g.HealthCheckType {
	case "":
		if g.LoadBalancer != "" {
			g.HealthCheckType = autoscaling.HealthCheckELB
		}
	case autoscaling.HealthCheckEC2, autoscaling.HealthCheckELB:
	default:
		return scenarios.FieldError("health_check_type", "unknown health check type %q: use EC2 or ELB", g.HealthCheckType)
	}
	if g.Drift != "" && g.Drift != autoscaling.DriftReplace && g.Drift != autoscaling.DriftReport {
		return scenarios.FieldError("drift", "unknown drift remediation %q: use replace or report", g.Drift)
	}
	if g.MaxHealthy != 0 && (g.MaxHealthy < 100 || g.MaxHealthy > 200) {
		return scenarios.FieldError("max_healthy", "max_healthy %d is out of range: use 100-200", g.MaxHealthy)
	}
	return nil
}

func (g *createGroup) Execute(ctx context.Context, r *scenarios.Run) error {
	spec := autoscaling.GroupSpec{
		Name: g.Name, Template: g.Template.String(), Min: g.Min, Max: g.Max, Desired: g.Desired,
		Zones: g.Zones, LoadBalancer: g.LoadBalancer, HealthCheckType: g.HealthCheckType,
		MaxHealthyPercentage: g.MaxHealthy, Drift: g.Drift,
	}
	if g.GracePeriod != nil {
		d := autoscaling.Duration(*g.GracePeriod)
		spec.HealthCheckGracePeriod = &d
	}
	grp, err := r.Client.CreateGroup(ctx, spec)
	if err != nil {
		return err
	}
	// Forced: a refresh still in progress must not keep the group.
	r.OnCleanup(func(ctx context.Context) error { return r.Client.DeleteGroup(ctx, g.Name, true) })
	r.Notef("group %s: %s:%s, min %d max %d desired %d%s", grp.Name, grp.Template, grp.TemplateVersion, grp.Min, grp.Max, grp.Desired, lbText(grp.LoadBalancer))
	if !g.Wait {
		return nil
	}
	return scenarios.Poll(ctx, orDefault(g.Timeout, scenarios.Duration(defaultLaunchTimeout)).D(), func(ctx context.Context) error {
		d, err := r.Client.Group(ctx, g.Name)
		if err != nil {
			return err
		}
		if d.Healthy != d.Desired {
			return fmt.Errorf("group %s has %d of %d instances in service", g.Name, d.Healthy, d.Desired)
		}
		r.Notef("group %s: %d in service", g.Name, d.Healthy)
		return nil
	})
}

func lbText(lb string) string {
	if lb == "" {
		return ""
	}
	return ", behind load balancer " + lb
}
