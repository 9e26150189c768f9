package app

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/elb"
)

func newLBCreateCommand(env *Env) *cobra.Command {
	var req api.CreateLoadBalancerRequest
	var interval, timeout, delay, slow time.Duration
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "create a load balancer and start its listener",
		Long: describe("Create a load balancer and start its listener.",
			"Health check settings not given take the timing profile's values. With no --health-path, targets\n"+
				"are checked on their launch template's health path, else on /. Out of range settings are refused:\n"+
				"on aws as AWS does (interval 5s-300s, timeout 2s-120s and below the interval, thresholds 2-10,\n"+
				"slow start 0 or 30s-900s), on fast the same scaled by about 1/30 (interval 100ms-10s, timeout\n"+
				"50ms-4s, slow start 0 or 1s-900s); a 0 given is refused, never replaced by the default."),
		Args: exactArgs(1, "lb create takes one NAME: cattle lb create web --port 8000"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if req.Port < 0 || req.Port > 65535 {
				return usagef("--port %d is out of range: use 1-65535, or 0 for a free one", req.Port)
			}
			req.Name = args[0]
			req.HealthCheck.Interval, req.HealthCheck.Timeout, req.SlowStart = elb.Duration(interval), elb.Duration(timeout), elb.Duration(slow)
			explicitZeros(cmd.Flags(), &req.HealthCheck)
			// Changed, not a sentinel value: 0 (no draining) is a delay too.
			if cmd.Flags().Changed("deregistration-delay") {
				if delay < 0 {
					return usagef("--deregistration-delay %s is negative", delay)
				}
				d := elb.Duration(delay)
				req.DeregistrationDelay = &d
			}
			ctx := cmd.Context()
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
	fs := cmd.Flags()
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
	_ = cmd.RegisterFlagCompletionFunc("algorithm", cobra.FixedCompletions([]string{"round_robin", "least_outstanding_requests"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// explicitZeros marks the health check flags given as 0, so that the
// daemon refuses them rather than taking the profile's defaults.
func explicitZeros(fs *pflag.FlagSet, hc *elb.HealthCheck) {
	for flag, d := range map[string]*elb.Duration{"health-interval": &hc.Interval, "health-timeout": &hc.Timeout} {
		if fs.Changed(flag) && *d == 0 {
			*d = elb.ExplicitZero
		}
	}
	for flag, n := range map[string]*int{"healthy-threshold": &hc.HealthyThreshold, "unhealthy-threshold": &hc.UnhealthyThreshold} {
		if fs.Changed(flag) && *n == 0 {
			*n = elb.ExplicitZero
		}
	}
}
