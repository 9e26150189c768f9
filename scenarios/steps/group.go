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
	Name         string                `yaml:"name,required" def:"group"`
	Template     scenarios.TemplateRef `yaml:"template,required" ref:"template"`
	Min          int                   `yaml:"min" default:"0"`
	Max          int                   `yaml:"max,required"`
	Desired      *int                  `yaml:"desired" default:"min"`
	Zones        []string              `yaml:"zones" default:"every zone"`
	LoadBalancer string                `yaml:"load_balancer" ref:"load_balancer" default:"none"`
	// HealthCheckType is EC2 or ELB (the default with a load balancer).
	HealthCheckType string              `yaml:"health_check_type" default:"ELB with a load_balancer, else EC2"`
	GracePeriod     *scenarios.Duration `yaml:"grace_period" default:"the profile's grace period"`
	MaxHealthy      int                 `yaml:"max_healthy" default:"100"`
	// Drift is replace (the default) or report.
	Drift   string             `yaml:"drift" default:"replace"`
	Wait    bool               `yaml:"wait" default:"false"`
	Timeout scenarios.Duration `yaml:"timeout" default:"60s"`
}

func (g *createGroup) Validate() error {
	desired := g.Min
	if g.Desired != nil {
		desired = *g.Desired
	}
	if err := autoscaling.ValidateCapacity(g.Min, desired, g.Max); err != nil {
		return scenarios.FieldError("desired", "%v", err)
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
	if g.MaxHealthy != 0 {
		if err := autoscaling.ValidateMaxHealthy(g.MaxHealthy); err != nil {
			return scenarios.FieldError("max_healthy", "%v", err)
		}
	}
	return nil
}

// Check refuses a template version the template does not have yet.
func (g *createGroup) Check(c *scenarios.CheckContext) error {
	return checkVersion(c, "template", g.Template.Name, g.Template.Version)
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

// beyondGroup refuses an expected count of instances that the group's max
// never allows: the expectation could never pass. (A scaling policy moves
// desired, never max.)
func beyondGroup(c *scenarios.CheckContext, group, key string, want scenarios.CountRange) error {
	g, ok := c.Defined("group", group).(*createGroup)
	if ok && want.Min > g.Max {
		return scenarios.FieldError(key, "group %s has at most %d instances (its max), so %s %s can never hold", group, g.Max, key, want)
	}
	return nil
}
