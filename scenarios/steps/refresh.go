package steps

import (
	"context"
	"fmt"
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
	TemplateVersion string              `yaml:"template_version"`
	MinHealthy      *scenarios.Percent  `yaml:"min_healthy"`
	MaxHealthy      *scenarios.Percent  `yaml:"max_healthy"`
	Warmup          *scenarios.Duration `yaml:"warmup"`
	Checkpoints     []int               `yaml:"checkpoints"`
	CheckpointDelay *scenarios.Duration `yaml:"checkpoint_delay"`
	SkipMatching    bool                `yaml:"skip_matching"`
	AutoRollback    bool                `yaml:"auto_rollback"`
	BakeTime        *scenarios.Duration `yaml:"bake_time"`
	Wait            bool                `yaml:"wait"`
	Timeout         scenarios.Duration  `yaml:"timeout"`
}

const defaultRefreshTimeout = 10 * time.Minute

// Validate applies the API's own checks to what the step alone says.
func (f *refresh) Validate() error {
	if f.MinHealthy != nil && (*f.MinHealthy < 0 || *f.MinHealthy > 100) {
		return scenarios.FieldError("min_healthy", "min_healthy is out of range: use 0-100")
	}
	if f.MaxHealthy != nil {
		if err := autoscaling.ValidateMaxHealthy(int(*f.MaxHealthy)); err != nil {
			return scenarios.FieldError("max_healthy", "%v", err)
		}
	}
	if err := autoscaling.ValidateCheckpoints(f.Checkpoints, f.CheckpointDelay != nil); err != nil {
		return scenarios.FieldError("checkpoints", "%v", err)
	}
	return nil
}

// Check refuses a refresh its group leaves no room for: max_healthy falls
// back to the group's (100 unless set), min_healthy to 90.
func (f *refresh) Check(c *scenarios.CheckContext) error {
	minH, maxH := 90, 100
	if g, ok := c.Defined("group", f.Group).(*createGroup); ok && g.MaxHealthy != 0 {
		maxH = g.MaxHealthy
	}
	if f.MinHealthy != nil {
		minH = int(*f.MinHealthy)
	}
	if f.MaxHealthy != nil {
		maxH = int(*f.MaxHealthy)
	}
	if err := autoscaling.ValidateHealthyRange(minH, maxH); err != nil {
		key := "min_healthy"
		if f.MinHealthy == nil {
			key = "max_healthy"
		}
		return scenarios.FieldError(key, "%v (group %s: max_healthy %d)", err, f.Group, maxH)
	}
	return nil
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
	rf, err := r.Client.StartRefresh(ctx, f.Group, autoscaling.RefreshSpec{
		TemplateVersion: f.TemplateVersion, MinHealthyPercentage: percent(f.MinHealthy), MaxHealthyPercentage: percent(f.MaxHealthy),
		InstanceWarmup: duration(f.Warmup), CheckpointPercentages: f.Checkpoints, CheckpointDelay: duration(f.CheckpointDelay),
		SkipMatching: f.SkipMatching, AutoRollback: f.AutoRollback, BakeTime: duration(f.BakeTime),
	})
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
