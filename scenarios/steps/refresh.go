package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[refresh]("refresh",
		scenarios.Needs(groupsService),
		scenarios.Doc("start an instance refresh (a rolling replacement) with AWS's preferences; with wait, until it ends",
			"refresh: {group: web, template_version: 2, min_healthy: 66, wait: true}"))
}

type refresh struct {
	Group string `yaml:"group,required" ref:"group"`
	// TemplateVersion is a number, $Latest, $Default or NAME:VERSION.
	TemplateVersion string              `yaml:"template_version" default:"none: the group's own configuration"`
	MinHealthy      *scenarios.Percent  `yaml:"min_healthy" default:"90 (the API's)"`
	MaxHealthy      *scenarios.Percent  `yaml:"max_healthy" default:"the group's max_healthy (100)"`
	Warmup          *scenarios.Duration `yaml:"warmup" default:"the group's grace period"`
	Checkpoints     []int               `yaml:"checkpoints" default:"none"`
	CheckpointDelay *scenarios.Duration `yaml:"checkpoint_delay" default:"the profile's checkpoint delay"`
	SkipMatching    bool                `yaml:"skip_matching" default:"false"`
	AutoRollback    bool                `yaml:"auto_rollback" default:"false"`
	BakeTime        *scenarios.Duration `yaml:"bake_time" default:"0s"`
	Wait            bool                `yaml:"wait" default:"false"`
	Timeout         scenarios.Duration  `yaml:"timeout" default:"10m"`
}

const defaultRefreshTimeout = 10 * time.Minute

// Check applies the API's own check of a refresh's preferences, with
// what the group gives: max_healthy falls back to the group's (100 unless
// set), so a refresh its group leaves no room for is refused here.
func (f *refresh) Check(c *scenarios.CheckContext) error {
	groupMax := 0
	if g, ok := c.Defined("group", f.Group).(*createGroup); ok {
		groupMax = g.MaxHealthy
		template, version, named := strings.Cut(f.TemplateVersion, ":")
		if !named {
			template, version = g.Template.Name, f.TemplateVersion
		}
		if err := checkVersion(c, "template_version", template, version); err != nil {
			return err
		}
	}
	err := autoscaling.CheckRefresh(groupMax, f.spec())
	if err == nil {
		return nil
	}
	from := ""
	if f.MaxHealthy == nil && strings.Contains(err.Error(), "max healthy") {
		from = fmt.Sprintf(" (max healthy %d%% is group %s's)", max(groupMax, 100), f.Group)
	}
	return scenarios.FieldError(f.keyOf(err.Error()), "%v%s", err, from)
}

// keyOf guesses which key an API message is about, to point at it.
func (f *refresh) keyOf(msg string) string {
	switch {
	case strings.Contains(msg, "checkpoint delay"):
		return "checkpoint_delay"
	case strings.Contains(msg, "checkpoint"):
		return "checkpoints"
	case strings.Contains(msg, "warmup"):
		return "warmup"
	case strings.Contains(msg, "bake time"):
		return "bake_time"
	case f.MinHealthy != nil:
		return "min_healthy"
	}
	return "max_healthy"
}

func (f *refresh) spec() autoscaling.RefreshSpec {
	return autoscaling.RefreshSpec{
		TemplateVersion: f.TemplateVersion, MinHealthyPercentage: percent(f.MinHealthy), MaxHealthyPercentage: percent(f.MaxHealthy),
		InstanceWarmup: duration(f.Warmup), CheckpointPercentages: f.Checkpoints, CheckpointDelay: duration(f.CheckpointDelay),
		SkipMatching: f.SkipMatching, AutoRollback: f.AutoRollback, BakeTime: duration(f.BakeTime),
	}
}

func percent(p *scenarios.Percent) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

func duration(d *scenarios.Duration) *autoscaling.Duration {
	if d == nil {
		return nil
	}
	v := autoscaling.Duration(*d)
	return &v
}

func (f *refresh) Execute(ctx context.Context, r *scenarios.Run) error {
	rf, err := r.Client.StartRefresh(ctx, f.Group, f.spec())
	if err != nil {
		return err
	}
	return followRefresh(ctx, r, f.Group, rf, f.Wait, f.Timeout)
}

// followRefresh notes the refresh an action started, cancelled or turned
// into a rollback, and when asked waits for it to end.
func followRefresh(ctx context.Context, r *scenarios.Run, group string, rf autoscaling.Refresh, wait bool, timeout scenarios.Duration) error {
	r.Notef("refresh %s of group %s: %s", rf.ID, group, rf.Status)
	if !wait {
		return nil
	}
	_, err := waitRefresh(ctx, r, group, rf.ID, orDefault(timeout, scenarios.Duration(defaultRefreshTimeout)))
	return err
}

// waitRefresh follows a refresh until it ends, noting its progress.
func waitRefresh(ctx context.Context, r *scenarios.Run, group, id string, timeout scenarios.Duration) (autoscaling.Refresh, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout.D())
	defer cancel()
	seen := ""
	last, err := r.Client.WaitRefresh(wctx, group, id, func(rf autoscaling.Refresh) {
		if now := fmt.Sprintf("%s %d%%", rf.Status, rf.PercentComplete); now != seen {
			seen = now
			r.Notef("refresh %s: %s, %d%% complete%s", rf.ID, rf.Status, rf.PercentComplete, reason(rf.StatusReason))
		}
	})
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return last, fmt.Errorf("after %s: refresh %s is %s, %d%% complete", timeout.D(), id, last.Status, last.PercentComplete)
	}
	return last, err
}

// reason renders a status reason after a note, or nothing.
func reason(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}
