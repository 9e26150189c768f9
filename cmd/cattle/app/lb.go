package app

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/elb"
)

func newLBCommand(env *Env) *cobra.Command {
	return newGroupCommand("lb", "load balancers, their targets and stats",
		"A load balancer listens on 127.0.0.1 and forwards to the healthy targets of its target group\n"+
			"(same name), or by weight to other target groups ('lb forward'). Groups' --lb NAME names the\n"+
			"target group. Deregistered targets drain: no new requests, in-flight ones finish.",
		newLBCreateCommand(env), newLBLsCommand(env), newLBTargetsCommand(env), newLBRegisterCommand(env),
		newLBDeregisterCommand(env), newLBStatsCommand(env), newLBForwardCommand(env), newLBRmCommand(env))
}

func forwardsString(fs []elb.Forward) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s=%d", f.TargetGroup, f.Weight)
	}
	return strings.Join(parts, ",")
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
