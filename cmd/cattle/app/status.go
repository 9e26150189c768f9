package app

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func statusCommand() *command {
	return &command{
		name: "status", summary: "show the sandbox's daemon, API address and resource counts",
		usage: "status [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			st, err := c.Status(ctx)
			if err != nil {
				return env.call(err)
			}
			return render(env, st, func(t *tabwriter.Writer) {
				fmt.Fprintf(t, "sandbox\t%s\n", st.Sandbox)
				fmt.Fprintf(t, "pid\t%d\n", st.PID)
				fmt.Fprintf(t, "api\thttp://%s\n", st.API)
				fmt.Fprintf(t, "registry\t%s\n", st.Registry)
				fmt.Fprintf(t, "state dir\t%s\n", st.StateDir)
				fmt.Fprintf(t, "network\t%s\n", st.Network)
				fmt.Fprintf(t, "timing\t%s\n", st.Timing)
				fmt.Fprintf(t, "engine\tDocker %s at %s\n", st.EngineVersion, st.EngineHost)
				fmt.Fprintf(t, "resources\t%d images, %d templates, %d instances\n", st.Counts["images"], st.Counts["templates"], st.Counts["instances"])
			})
		},
	}
}
