package app

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

func groupsCommand() *command {
	return &command{
		name: "groups", summary: "auto scaling groups, instance refresh and rollback",
		long: "A group keeps min <= desired <= max instances of a launch template version, balanced over its zones,\n" +
			"replacing (never repairing) the ones that fail their health checks. A refresh rolls a new version out\n" +
			"in batches that keep --min-healthy percent serving; a rollback puts the previous one back.",
		subs: []*command{groupsCreate(), groupsScale(), groupsLs(), groupsInspect(), groupsRm(),
			groupsRefresh(), groupsRefreshes(), groupsRollback(), groupsCancelRefresh(),
			groupsPolicy()},
	}
}

func groupsCreate() *command {
	var tpl, lb, hc string
	var zones []string
	var min, max, desired, maxHealthy int
	var grace time.Duration
	var wait bool
	var fs *pflag.FlagSet
	return &command{
		name: "create", summary: "create an auto scaling group",
		usage: "groups create NAME --template NAME[:VERSION] --min N --max N [--desired N] [--lb NAME] [--zones zone-a,zone-b]\n" +
			"      [--health-check-type EC2|ELB] [--grace D] [--max-healthy P] [--wait]",
		long: "A bare template NAME pins the template's default version as it is now; VERSION may also be\n" +
			"$Latest or $Default, resolved at each launch. --desired defaults to --min, as in AWS.",
		flags: func(s *pflag.FlagSet) {
			fs = s
			s.StringVar(&tpl, "template", "", "launch template NAME[:VERSION]")
			s.IntVar(&min, "min", 0, "minimum capacity")
			s.IntVar(&max, "max", 0, "maximum capacity")
			s.IntVar(&desired, "desired", 0, "desired capacity (default: --min)")
			s.StringVar(&lb, "lb", "", "load balancer whose target group the instances join")
			s.StringSliceVar(&zones, "zones", nil, "zones to balance over (default: zone-a,zone-b,zone-c)")
			s.StringVar(&hc, "health-check-type", "EC2", "EC2 (instance state) or ELB (also the load balancer's health checks)")
			s.DurationVar(&grace, "grace", 0, "health check grace period (default: the timing profile's)")
			s.IntVar(&maxHealthy, "max-healthy", 100, "instance maintenance policy: above 100, replacements launch before unhealthy instances go")
			s.BoolVar(&wait, "wait", false, "wait until the group has its desired capacity in service")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups create takes one NAME: cattle groups create web --template web --min 2 --max 6 --desired 3")
			}
			if tpl == "" || !fs.Changed("min") || !fs.Changed("max") {
				return usagef("groups create needs --template NAME[:VERSION], --min N and --max N")
			}
			spec := autoscaling.GroupSpec{Name: args[0], Template: tpl, Min: min, Max: max, Zones: zones,
				LoadBalancer: lb, HealthCheckType: hc, MaxHealthyPercentage: maxHealthy}
			if fs.Changed("desired") {
				spec.Desired = &desired
			}
			if fs.Changed("grace") {
				spec.HealthCheckGracePeriod = autoscaling.D(grace)
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			g, err := c.CreateGroup(ctx, spec)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "group %s created: %s, launching %d instance(s)\n", g.Name, groupSummary(g.Group), g.Desired)
			if wait {
				return waitGroupInService(ctx, env, c, g.Name)
			}
			return nil
		},
	}
}

func groupSummary(g autoscaling.Group) string {
	s := fmt.Sprintf("%s:%s, min %d, desired %d, max %d, zones %s", g.Template, g.TemplateVersion, g.Min, g.Desired, g.Max,
		strings.Join(g.Zones, ","))
	if g.LoadBalancer != "" {
		s += ", load balancer " + g.LoadBalancer
	}
	return s + fmt.Sprintf(", health check %s (grace %s)", g.HealthCheckType, g.HealthCheckGracePeriod)
}

// waitGroupInService waits until the group serves at its desired capacity.
func waitGroupInService(ctx context.Context, env *Env, c *api.Client, name string) error {
	last := ""
	for {
		g, err := c.Group(ctx, name)
		if err != nil {
			return env.call(err)
		}
		line := fmt.Sprintf("group %s: %d of %d in service", name, g.Healthy, g.Desired)
		if line != last {
			fmt.Fprintln(env.Out, line)
			last = line
		}
		if g.Healthy >= g.Desired && len(g.Instances) == g.Desired {
			return nil
		}
		if err := refreshPollSleep(ctx); err != nil {
			return err
		}
	}
}

func groupsScale() *command {
	var desired, min, max int
	var fs *pflag.FlagSet
	return &command{
		name: "scale", summary: "change a group's desired (and min, max) capacity",
		usage: "groups scale NAME --desired N [--min N] [--max N]",
		flags: func(s *pflag.FlagSet) {
			fs = s
			s.IntVar(&desired, "desired", 0, "desired capacity")
			s.IntVar(&min, "min", 0, "minimum capacity")
			s.IntVar(&max, "max", 0, "maximum capacity")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups scale takes one NAME: cattle groups scale web --desired 4")
			}
			var spec autoscaling.ScaleSpec
			if fs.Changed("desired") {
				spec.Desired = &desired
			}
			if fs.Changed("min") {
				spec.Min = &min
			}
			if fs.Changed("max") {
				spec.Max = &max
			}
			if spec.Desired == nil && spec.Min == nil && spec.Max == nil {
				return usagef("groups scale needs --desired N (or --min, --max)")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			g, err := c.ScaleGroup(ctx, args[0], spec)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "group %s: min %d, desired %d, max %d (%d instance(s) now)\n", g.Name, g.Min, g.Desired, g.Max, len(g.Instances))
			return nil
		},
	}
}

func groupsLs() *command {
	return &command{
		name: "ls", summary: "list auto scaling groups", usage: "groups ls [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("groups ls takes no arguments")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			gs, err := c.Groups(ctx)
			if err != nil {
				return env.call(err)
			}
			return render(env, gs, func(t *tabwriter.Writer) {
				row(t, "NAME", "TEMPLATE", "MIN", "DESIRED", "MAX", "INSTANCES", "HEALTHY", "LB", "REFRESH", "AGE")
				for _, g := range gs {
					row(t, g.Name, g.Template+":"+g.TemplateVersion, g.Min, g.Desired, g.Max, len(g.Instances), g.Healthy,
						g.LoadBalancer, refreshCell(g.Refresh, g.Status), ago(g.CreatedAt))
				}
			})
		},
	}
}

func refreshCell(r *autoscaling.Refresh, groupStatus string) string {
	if groupStatus != "" {
		return groupStatus
	}
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%s %d%%", r.Status, r.PercentComplete)
}

func groupsInspect() *command {
	return &command{
		name: "inspect", summary: "show a group, its instances and its refresh in progress",
		usage: "groups inspect NAME [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups inspect takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			g, err := c.Group(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, g, func(t *tabwriter.Writer) {
				fmt.Fprintf(t, "group %s: %s\n", g.Name, groupSummary(g.Group))
				fmt.Fprintf(t, "max healthy %d%%; %d instance(s), %d in service", g.MaxHealthyPercentage, len(g.Instances), g.Healthy)
				if g.Status != "" {
					fmt.Fprintf(t, "; %s", g.Status)
				}
				fmt.Fprintln(t)
				if r := g.Refresh; r != nil {
					fmt.Fprintf(t, "refresh %s %s, %d%% complete, %d to update%s\n", r.ID, r.Status, r.PercentComplete,
						r.InstancesToUpdate, refreshReason(*r))
				}
				if g.Policy != nil {
					writePolicy(t, "policy: ", g)
				}
				fmt.Fprintln(t)
				instanceTable(t, g.Instances)
			})
		},
	}
}

func refreshReason(r autoscaling.Refresh) string {
	if r.StatusReason == "" {
		return ""
	}
	return ": " + r.StatusReason
}

func groupsRm() *command {
	var force bool
	return &command{
		name: "rm", summary: "drain and terminate a group's instances, and delete it",
		usage: "groups rm NAME [--force]",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&force, "force", false, "also when a refresh is in progress (it is cancelled)")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups rm takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteGroup(ctx, args[0], force); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "group %s deleted: its instances are drained and terminated\n", args[0])
			return nil
		},
	}
}

func groupsRefresh() *command {
	var version string
	var minHealthy, maxHealthy int
	var warmup, cpDelay, bake time.Duration
	var checkpoints []int
	var skip, autoRollback, wait bool
	var fs *pflag.FlagSet
	return &command{
		name: "refresh", summary: "start an instance refresh: replace the group's instances in batches",
		usage: "groups refresh NAME [--template-version V] [--min-healthy P] [--max-healthy P] [--warmup D]\n" +
			"      [--checkpoints 50,100] [--checkpoint-delay D] [--skip-matching] [--auto-rollback] [--bake-time D] [--wait]",
		long: "V is a version number of the group's template, $Latest, $Default, or NAME:VERSION of another\n" +
			"template; without it instances are replaced with the group's own configuration. With --wait the\n" +
			"command follows the refresh and exits 0 when it is Successful, 1 when it ends otherwise.",
		flags: func(s *pflag.FlagSet) {
			fs = s
			s.StringVar(&version, "template-version", "", "desired configuration: VERSION or NAME:VERSION")
			s.IntVar(&minHealthy, "min-healthy", 90, "percentage of desired capacity kept in service")
			s.IntVar(&maxHealthy, "max-healthy", 100, "percentage of desired capacity allowed (100-200; above 100 launches first)")
			s.DurationVar(&warmup, "warmup", 0, "instance warmup (default: the group's grace period)")
			s.IntSliceVar(&checkpoints, "checkpoints", nil, "percentages to pause at, ascending, the last 100 (e.g. 50,100)")
			s.DurationVar(&cpDelay, "checkpoint-delay", 0, "pause at each checkpoint (default: the timing profile's)")
			s.BoolVar(&skip, "skip-matching", false, "leave instances already on the desired configuration")
			s.BoolVar(&autoRollback, "auto-rollback", false, "roll back when the refresh fails")
			s.DurationVar(&bake, "bake-time", 0, "time to watch the new instances after the last replacement")
			s.BoolVar(&wait, "wait", false, "follow the refresh until it ends")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups refresh takes one NAME: cattle groups refresh web --template-version 2 --wait")
			}
			spec := autoscaling.RefreshSpec{TemplateVersion: version, CheckpointPercentages: checkpoints,
				SkipMatching: skip, AutoRollback: autoRollback}
			if fs.Changed("min-healthy") {
				spec.MinHealthyPercentage = &minHealthy
			}
			if fs.Changed("max-healthy") {
				spec.MaxHealthyPercentage = &maxHealthy
			}
			if fs.Changed("warmup") {
				spec.InstanceWarmup = autoscaling.D(warmup)
			}
			if fs.Changed("checkpoint-delay") {
				spec.CheckpointDelay = autoscaling.D(cpDelay)
			}
			if fs.Changed("bake-time") {
				spec.BakeTime = autoscaling.D(bake)
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			r, err := c.StartRefresh(ctx, args[0], spec)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "refresh %s started on group %s: %s -> %s (min healthy %d%%, max healthy %d%%)\n",
				r.ID, r.Group, r.Previous, r.Target, r.Preferences.MinHealthyPercentage, r.Preferences.MaxHealthyPercentage)
			if !wait {
				return nil
			}
			return followRefresh(ctx, env, c, r.Group, r.ID, autoscaling.RefreshSuccessful)
		},
	}
}

func groupsRefreshes() *command {
	return &command{
		name: "refreshes", summary: "list a group's instance refreshes, newest first",
		usage: "groups refreshes NAME [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups refreshes takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			rs, err := c.Refreshes(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, rs, func(t *tabwriter.Writer) {
				row(t, "ID", "STATUS", "PERCENT", "TO-UPDATE", "FROM", "TO", "STARTED", "REASON")
				for _, r := range rs {
					row(t, r.ID, r.Status, fmt.Sprintf("%d%%", r.PercentComplete), r.InstancesToUpdate, r.Previous, r.Target,
						ago(r.StartTime), r.StatusReason)
				}
			})
		},
	}
}

func groupsRollback() *command {
	var wait bool
	return &command{
		name: "rollback", summary: "roll back the group's refresh in progress",
		usage: "groups rollback NAME [--wait]",
		long:  "Replaces the instances the refresh already replaced with the configuration from before it.\nRefused once the refresh has finished, and when it used $Latest or $Default.",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&wait, "wait", false, "follow the rollback until it ends (exit 0 on RollbackSuccessful)")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups rollback takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			r, err := c.Rollback(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "refresh %s %s%s\n", r.ID, r.Status, refreshReason(r))
			if !wait {
				return nil
			}
			return followRefresh(ctx, env, c, r.Group, r.ID, autoscaling.RefreshRollbackSuccessful)
		},
	}
}

func groupsCancelRefresh() *command {
	return &command{
		name: "cancel-refresh", summary: "cancel the group's refresh in progress (replaced instances stay)",
		usage: "groups cancel-refresh NAME",
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("groups cancel-refresh takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			r, err := c.CancelRefresh(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "refresh %s %s: the step under way finishes, then it stops\n", r.ID, r.Status)
			return nil
		},
	}
}

// followRefresh shows a refresh's progress until it ends: a live line on
// a terminal, a plain line per change otherwise. It exits 0 only when the
// refresh ends in success (Successful, or RollbackSuccessful when
// following a rollback), 1 otherwise.
func followRefresh(ctx context.Context, env *Env, c *api.Client, group, id, success string) error {
	tty, _ := terminal(env.Out)
	start := time.Now()
	last := ""
	for {
		r, err := findRefresh(ctx, c, group, id)
		if err != nil {
			if tty {
				fmt.Fprintln(env.Out)
			}
			if ctx.Err() != nil {
				fmt.Fprintf(env.Err, "stopped following; refresh %s goes on: see 'cattle groups refreshes %s'\n", id, group)
				return exitError{ExitFailed}
			}
			return env.call(err)
		}
		line := fmt.Sprintf("refresh %s %s %d%%, %d to update%s", r.ID, r.Status, r.PercentComplete, r.InstancesToUpdate, refreshReason(r))
		switch {
		case tty:
			fmt.Fprintf(env.Out, "\r\033[K%s (%s)", line, time.Since(start).Round(time.Second))
		case line != last:
			fmt.Fprintln(env.Out, line)
		}
		last = line
		if autoscaling.Done(r.Status) {
			if tty {
				fmt.Fprintln(env.Out)
			}
			fmt.Fprintf(env.Out, "refresh %s ended %s%s\n", r.ID, r.Status, refreshReason(r))
			if r.Status == success {
				return nil
			}
			return exitError{ExitFailed}
		}
		if err := refreshPollSleep(ctx); err != nil {
			if tty {
				fmt.Fprintln(env.Out)
			}
			fmt.Fprintf(env.Err, "stopped following; refresh %s goes on: see 'cattle groups refreshes %s'\n", id, group)
			return exitError{ExitFailed}
		}
	}
}

func findRefresh(ctx context.Context, c *api.Client, group, id string) (autoscaling.Refresh, error) {
	rs, err := c.Refreshes(ctx, group)
	if err != nil {
		return autoscaling.Refresh{}, err
	}
	for _, r := range rs {
		if r.ID == id {
			return r, nil
		}
	}
	return autoscaling.Refresh{}, fmt.Errorf("refresh %s of group %s is gone (was the group deleted?)", id, group)
}

// refreshPollInterval is how often a follower asks the daemon.
const refreshPollInterval = 250 * time.Millisecond

func refreshPollSleep(ctx context.Context) error {
	t := time.NewTimer(refreshPollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
