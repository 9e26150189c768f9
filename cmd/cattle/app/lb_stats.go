package app

import (
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

func newLBStatsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "stats NAME",
		Short: "requests, responses by class, errors by cause, latency, per target",
		Args:  exactArgs(1, "lb stats takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
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
				fmt.Fprintf(t, "latency\tp50 %s  p90 %s  p99 %s  mean %s\n\n", latency(st.Latency.P50), latency(st.Latency.P90), latency(st.Latency.P99), latency(st.Latency.Mean))
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
	})
}

func latency(d elb.Duration) string { return loadgen.FormatLatency(time.Duration(d)) }
