package app

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/drift"
)

func newDriftScanCommand(env *Env) *cobra.Command {
	var group string
	return listingWith(&cobra.Command{
		Use:   "scan [--group NAME]",
		Short: "compare what runs with what was launched, now (exit 0 in sync, 1 drift, 2 error)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			rep, err := c.ScanDrift(ctx, group)
			if err != nil {
				return usagef("%s", oneLine(env.call(err)))
			}
			if err := render(env, rep, func(t *tabwriter.Writer) { driftTable(t, rep) }); err != nil {
				return err
			}
			if rep.Drifted() {
				return exitError{ExitFailed}
			}
			return nil
		},
	}, func(cmd *cobra.Command) {
		cmd.Flags().StringVar(&group, "group", "", "scan one group's instances")
	})
}

func listingWith(cmd *cobra.Command, flags func(*cobra.Command)) *cobra.Command {
	flags(cmd)
	return listing(cmd)
}

func driftTable(t *tabwriter.Writer, rep drift.Report) {
	s := rep.Summary
	fmt.Fprintf(t, "%d instance(s): %d in sync, %d drifted, %d missing, %d unmanaged\n", s.Total, s.InSync, s.Drifted, s.Missing, s.Unmanaged)
	for _, r := range rep.Replaced {
		fmt.Fprintf(t, "%s (%s drift) was replaced by %s, %s ago\n", r.ID, r.Kind, r.ReplacedBy, ago(r.At))
	}
	if s.Total == s.InSync {
		return
	}
	row(t, "INSTANCE", "GROUP", "STATUS", "KIND", "PATH/FIELD", "EXPECTED", "ACTUAL", "CHANGE", "REMEDIATION")
	for _, i := range rep.Instances {
		if i.Status == drift.StatusInSync {
			continue
		}
		for n, d := range i.Differences {
			what := d.Path
			if what == "" {
				what = d.Field
			}
			id, group, status, kind, rem := i.ID, i.Group, i.Status, i.Kind, i.Remediation
			if n > 0 {
				id, group, status, kind, rem = "", "", "", "", ""
			}
			row(t, id, group, status, kind, what, clip(d.Expected), clip(d.Actual), d.Change, rem)
		}
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return strings.ReplaceAll(s, "\t", " ")
}
