package app

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/elb"
)

func lbCommand() *command {
	return &command{
		name: "lb", summary: "load balancers, their targets and stats",
		long: "A load balancer listens on 127.0.0.1 and forwards to the healthy targets of its target group\n" +
			"(same name). Deregistered targets drain: no new requests, in-flight ones finish.",
		subs: []*command{lbCreate(), lbLs(), lbTargets(), lbRegister(), lbDeregister(), lbStats(), lbForward(), lbRm()},
	}
}

func lbCreate() *command {
	var req api.CreateLoadBalancerRequest
	var interval, timeout, delay, slow time.Duration
	var flags *pflag.FlagSet
	return &command{
		name: "create", summary: "create a load balancer and start its listener",
		usage: "lb create NAME [--port N] [--algorithm round_robin|least_outstanding_requests] [--health-path P] ...",
		long:  "Health check settings not given take the timing profile's values. With no --health-path, targets\nare checked on their launch template's health path, else on /.",
		flags: func(fs *pflag.FlagSet) {
			flags = fs
			fs.IntVar(&req.Port, "port", 0, "listener port on 127.0.0.1 (0 picks a free one)")
			fs.StringVar(&req.Algorithm, "algorithm", "round_robin", "round_robin or least_outstanding_requests")
			fs.StringVar(&req.HealthCheck.Path, "health-path", "", "health check path (default: the template's, else /)")
			fs.StringVar(&req.HealthCheck.Matcher, "health-matcher", "", "status codes that pass: 200, 200-299, 200,204 (default 200)")
			fs.DurationVar(&interval, "health-interval", 0, "health check interval (default: the timing profile's)")
			fs.DurationVar(&timeout, "health-timeout", 0, "health check timeout")
			fs.IntVar(&req.HealthCheck.HealthyThreshold, "healthy-threshold", 0, "consecutive passes to become healthy")
			fs.IntVar(&req.HealthCheck.UnhealthyThreshold, "unhealthy-threshold", 0, "consecutive failures to become unhealthy")
			fs.DurationVar(&delay, "deregistration-delay", 0, "how long a deregistered target may drain (default: the timing profile's)")
			fs.DurationVar(&slow, "slow-start", 0, "ramp a new target's share over this time (0: off)")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("lb create takes one NAME: cattle lb create web --port 8000")
			}
			if req.Port < 0 || req.Port > 65535 {
				return usagef("--port %d is out of range: use 1-65535, or 0 for a free one", req.Port)
			}
			req.Name = args[0]
			req.HealthCheck.Interval, req.HealthCheck.Timeout, req.SlowStart = elb.Duration(interval), elb.Duration(timeout), elb.Duration(slow)
			// Changed, not a sentinel value: 0 (no draining) is a delay too.
			if flags.Changed("deregistration-delay") {
				if delay < 0 {
					return usagef("--deregistration-delay %s is negative", delay)
				}
				d := elb.Duration(delay)
				req.DeregistrationDelay = &d
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.CreateLoadBalancer(ctx, req)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "load balancer %s listening on http://%s (%s)\n", out.Name, out.Address, out.Algorithm)
			return nil
		},
	}
}

func lbLs() *command {
	return &command{
		name: "ls", summary: "list load balancers", usage: "lb ls [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.LoadBalancers(ctx)
			if err != nil {
				return env.call(err)
			}
			return render(env, out, func(t *tabwriter.Writer) {
				row(t, "NAME", "ADDRESS", "ALGORITHM", "HEALTH", "TARGETS", "FORWARDS")
				for _, l := range out {
					row(t, l.Name, "http://"+l.Address, l.Algorithm, l.HealthCheck.Path, len(l.Targets), forwardsString(l.Forwards))
				}
			})
		},
	}
}

func forwardsString(fs []elb.Forward) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s=%d", f.TargetGroup, f.Weight)
	}
	return strings.Join(parts, ",")
}

func lbTargets() *command {
	return &command{
		name: "targets", summary: "show each target's health state and reason", usage: "lb targets NAME [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("lb targets takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.Targets(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, out, func(t *tabwriter.Writer) {
				row(t, "ID", "ADDRESS", "STATE", "REASON", "SINCE")
				for _, x := range out {
					row(t, x.ID, x.Address, x.State, x.Reason, ago(x.Since))
				}
			})
		},
	}
}

func lbRegister() *command {
	return &command{
		name: "register", summary: "make running instances targets of a load balancer", usage: "lb register NAME ID...",
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) < 2 {
				return usagef("lb register takes NAME and one or more instance IDs")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.RegisterTargets(ctx, args[0], args[1:]...); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "registered %s with %s: checking their health\n", strings.Join(args[1:], ", "), args[0])
			return nil
		},
	}
}

func lbDeregister() *command {
	var noWait bool
	return &command{
		name: "deregister", summary: "take instances out of a load balancer (they drain first)", usage: "lb deregister NAME ID... [--no-wait]",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&noWait, "no-wait", false, "return at once instead of after draining")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) < 2 {
				return usagef("lb deregister takes NAME and one or more instance IDs")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeregisterTargets(ctx, args[0], !noWait, args[1:]...); err != nil {
				return env.call(err)
			}
			what := "drained"
			if noWait {
				what = "draining"
			}
			fmt.Fprintf(env.Out, "deregistered %s from %s: %s\n", strings.Join(args[1:], ", "), args[0], what)
			return nil
		},
	}
}

func lbStats() *command {
	return &command{
		name: "stats", summary: "requests, responses by class, errors by cause, latency, per target", usage: "lb stats NAME [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("lb stats takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			st, err := c.LoadBalancerStats(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, st, func(t *tabwriter.Writer) {
				fmt.Fprintf(t, "requests\t%d\n", st.Requests)
				fmt.Fprintf(t, "responses\t%s\n", countsString(st.Responses))
				fmt.Fprintf(t, "errors\t%s\n", countsString(st.Errors))
				fmt.Fprintf(t, "connections\t%d active\n", st.ActiveConnections)
				fmt.Fprintf(t, "latency\tp50 %s  p90 %s  p99 %s  mean %s\n\n", time.Duration(st.Latency.P50), time.Duration(st.Latency.P90), time.Duration(st.Latency.P99), time.Duration(st.Latency.Mean))
				row(t, "TARGET", "REQUESTS", "RESPONSES", "ERRORS", "ACTIVE")
				ids := make([]string, 0, len(st.Targets))
				for id := range st.Targets {
					ids = append(ids, id)
				}
				sort.Strings(ids)
				for _, id := range ids {
					x := st.Targets[id]
					row(t, id, x.Requests, countsString(x.Responses), countsString(x.Errors), x.Active)
				}
			})
		},
	}
}

func countsString(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func lbForward() *command {
	var to []string
	return &command{
		name: "forward", summary: "split traffic by weight between target groups (blue/green, canary)",
		usage: "lb forward NAME --to GROUP=WEIGHT [--to GROUP=WEIGHT]...",
		long:  "Each GROUP is the target group of a load balancer of that name; weights are 0-999.\nExample: cattle lb forward web --to web=90 --to web-green=10",
		flags: func(fs *pflag.FlagSet) {
			fs.StringArrayVar(&to, "to", nil, "target group and weight, GROUP=WEIGHT (repeatable)")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 || len(to) == 0 {
				return usagef("lb forward takes NAME and --to GROUP=WEIGHT: cattle lb forward web --to web=90 --to green=10")
			}
			var fs []elb.Forward
			for _, s := range to {
				name, w, ok := strings.Cut(s, "=")
				weight, err := strconv.Atoi(w)
				if !ok || err != nil {
					return usagef("--to %q is not GROUP=WEIGHT", s)
				}
				fs = append(fs, elb.Forward{TargetGroup: name, Weight: weight})
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			out, err := c.SetForwards(ctx, args[0], fs)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "load balancer %s forwards to %s\n", out.Name, forwardsString(out.Forwards))
			return nil
		},
	}
}

func lbRm() *command {
	return &command{
		name: "rm", summary: "drain and remove a load balancer", usage: "lb rm NAME",
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("lb rm takes one NAME")
			}
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteLoadBalancer(ctx, args[0]); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "load balancer %s removed\n", args[0])
			return nil
		},
	}
}
