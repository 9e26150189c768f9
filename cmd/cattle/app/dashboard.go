package app

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator"
)

type dashboardLinks struct {
	Dashboard string `json:"dashboard"`
	ExpiresIn int    `json:"expires_in_seconds"`
	Metrics   string `json:"metrics"`
	TokenFile string `json:"token_file"`
}

func newDashboardCommand(env *Env) *cobra.Command {
	var noOpen bool
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "print a one-time link to the sandbox's live dashboard and open it in a browser",
		Long: "dashboard prints a link to the live dashboard the daemon serves at its API address " +
			"(groups, refreshes, load balancer targets, requests by version, events) and opens it " +
			"with xdg-open where there is a display. The link logs one browser in, once, within a " +
			"few minutes; the browser then keeps a read-only session until the daemon restarts. " +
			"It also names /metrics, Prometheus metrics that take the API's bearer token.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			st, err := c.Status(ctx)
			if err != nil {
				return env.call(err)
			}
			login, err := c.DashboardLogin(ctx)
			if err != nil {
				return env.call(err)
			}
			links := dashboardLinks{Dashboard: "http://" + st.API + login.Path, ExpiresIn: login.ExpiresIn,
				Metrics: "http://" + st.API + "/metrics", TokenFile: emulator.PathsIn(st.StateDir).Token}
			err = render(env, links, func(t *tabwriter.Writer) {
				fmt.Fprintf(t, "dashboard\t%s\n", links.Dashboard)
				fmt.Fprintf(t, "\t(opens once, within %d minutes: run 'cattle dashboard' again for another link)\n", links.ExpiresIn/60)
				fmt.Fprintf(t, "metrics\t%s\n", links.Metrics)
				fmt.Fprintf(t, "\t(send \"Authorization: Bearer TOKEN\", the token kept in %s)\n", links.TokenFile)
			})
			if err == nil && !noOpen {
				openBrowser(links.Dashboard)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&noOpen, "no-open", false, "only print the link; do not start a browser")
	return listing(cmd)
}

// openBrowser starts the desktop's browser at url where there is one, and
// gives up silently where there is none: the link is printed anyway.
func openBrowser(url string) {
	opener := "xdg-open"
	switch runtime.GOOS {
	case "darwin":
		opener = "open"
	case "linux", "freebsd", "openbsd", "netbsd":
		// Without a display xdg-open falls back to a text browser in
		// this very terminal: better to leave the link to the user.
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return
		}
	default:
		return
	}
	path, err := exec.LookPath(opener)
	if err != nil {
		return
	}
	c := exec.Command(path, url)
	if c.Start() == nil {
		go func() { _ = c.Wait() }()
	}
}
