package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
)

func newStatusCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "status",
		Short: "show the sandbox's daemon, API address and resource counts",
		Args:  noArgs,
		RunE: fromDaemon(env, (*api.Client).Status, func(t *tabwriter.Writer, st api.Status) {
			fmt.Fprintf(t, "sandbox\t%s\n", st.Sandbox)
			fmt.Fprintf(t, "pid\t%d\n", st.PID)
			fmt.Fprintf(t, "api\thttp://%s\n", st.API)
			fmt.Fprintf(t, "registry\t%s\n", st.Registry)
			fmt.Fprintf(t, "aws endpoint\t%s (%s; cattle aws-env)\n", st.AWSEndpoint, st.Region)
			fmt.Fprintf(t, "state dir\t%s\n", st.StateDir)
			fmt.Fprintf(t, "network\t%s\n", st.Network)
			fmt.Fprintf(t, "timing\t%s\n", st.Timing)
			fmt.Fprintf(t, "engine\tDocker %s at %s\n", st.EngineVersion, st.EngineHost)
			fmt.Fprintf(t, "resources\t%d images, %d templates, %d instances\n", st.Counts["images"], st.Counts["templates"], st.Counts["instances"])
		}),
	})
}
