package awsapi

// autoscalingActions are Auto Scaling's actions (signing name autoscaling,
// Version 2011-01-01), on the groups, refreshes and policies of package
// autoscaling; seconds are on the sandbox's clock (see elbClock).
func autoscalingActions() []Action {
	return []Action{
		{Name: "CreateAutoScalingGroup", Handler: createAutoScalingGroup,
			Note: "launch templates only (no launch configurations, mixed instances or classic LoadBalancerNames); at most one target group; tags are kept on the group, not propagated to instances"},
		{Name: "UpdateAutoScalingGroup", Handler: updateAutoScalingGroup,
			Note: "the launch template, capacity, zones, health check, warmup and maintenance policy; not the target groups"},
		{Name: "DeleteAutoScalingGroup", Handler: deleteAutoScalingGroup,
			Note: "without ForceDelete a group with instances is ResourceInUse, as AWS; with it the instances are drained and terminated"},
		{Name: "DescribeAutoScalingGroups", Handler: describeAutoScalingGroups,
			Note: "filters tag-key, tag-value and tag:KEY only; no warm pools, suspended processes or metrics collection"},
		{Name: "DescribeAutoScalingInstances", Handler: describeAutoScalingInstances},
		{Name: "SetDesiredCapacity", Handler: setDesiredCapacity, Note: "HonorCooldown is ignored: cattle has no cooldowns"},
		{Name: "TerminateInstanceInAutoScalingGroup", Handler: terminateInstanceInAutoScalingGroup},
		{Name: "StartInstanceRefresh", Handler: startInstanceRefresh,
			Note: "Strategy Rolling; DesiredConfiguration is a launch template only; ScaleInProtectedInstances and StandbyInstances are accepted but cattle has neither; AlarmSpecification is refused"},
		{Name: "DescribeInstanceRefreshes", Handler: describeInstanceRefreshes},
		{Name: "CancelInstanceRefresh", Handler: cancelInstanceRefresh},
		{Name: "RollbackInstanceRefresh", Handler: rollbackInstanceRefresh},
		{Name: "PutScalingPolicy", Handler: putScalingPolicy,
			Note: "TargetTrackingScaling on ALBRequestCountPerTarget or ASGAverageCPUUtilization only, one policy per group (see docs/fidelity.md); no custom metrics"},
		{Name: "DescribePolicies", Handler: describePolicies, Note: "no alarms are listed: cattle has no CloudWatch"},
		{Name: "DeletePolicy", Handler: deletePolicy},
		{Name: "DescribeScalingActivities", Handler: describeScalingActivities,
			Note: "one activity per group event (launches, terminations, capacity changes, refresh steps); ActivityId is the event's sequence number"},
	}
}
