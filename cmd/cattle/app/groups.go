package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

func newGroupsCommand(env *Env) *cobra.Command {
	return newGroupCommand("groups", "auto scaling groups, instance refresh and rollback",
		"A group keeps min <= desired <= max instances of a launch template version, balanced over its zones,\n"+
			"replacing (never repairing) the ones that fail their health checks. A refresh rolls a new version out\n"+
			"in batches that keep --min-healthy percent serving; a rollback puts the previous one back.",
		newGroupsCreateCommand(env), newGroupsScaleCommand(env), newGroupsLsCommand(env), newGroupsInspectCommand(env),
		newGroupsRmCommand(env), newGroupsRefreshCommand(env), newGroupsRefreshesCommand(env), newGroupsRollbackCommand(env),
		newGroupsCancelRefreshCommand(env), newGroupsPolicyCommand(env),
		newGroupsUpdateCommand(env))
}

func groupSummary(g autoscaling.Group) string {
	s := fmt.Sprintf("%s:%s, min %d, desired %d, max %d, zones %s", g.Template, g.TemplateVersion, g.Min, g.Desired, g.Max,
		strings.Join(g.Zones, ","))
	if g.LoadBalancer != "" {
		s += ", load balancer " + g.LoadBalancer
	}
	return s + fmt.Sprintf(", health check %s (grace %s), drift %s", g.HealthCheckType, g.HealthCheckGracePeriod, g.DriftMode())
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

func refreshReason(r autoscaling.Refresh) string {
	if r.StatusReason == "" {
		return ""
	}
	return ": " + r.StatusReason
}
