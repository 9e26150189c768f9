package app

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/compute"
)

func newInstancesCommand(env *Env) *cobra.Command {
	return newGroupCommand("instances", "instances: containers launched from a template version", "",
		newInstancesRunCommand(env), newInstancesLsCommand(env), newInstancesInspectCommand(env),
		newInstancesTerminateCommand(env), newInstancesLogsCommand(env))
}

func instanceTable(t *tabwriter.Writer, insts []compute.Instance) {
	row(t, "ID", "STATE", "TEMPLATE", "VERSION", "IMAGE", "ZONE", "ADDRESS", "GROUP", "AGE")
	for _, i := range insts {
		row(t, i.ID, i.State, i.Template, i.TemplateVersion, i.Image, i.Zone, i.Address, i.Group, ago(i.LaunchedAt))
	}
}
