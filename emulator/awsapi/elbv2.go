package awsapi

// elbv2Actions are Elastic Load Balancing v2's actions (signing name
// elasticloadbalancing, Version 2015-12-01), on the load balancers and
// target groups of package elb; seconds are on the sandbox's clock (see
// elbClock).
func elbv2Actions() []Action {
	return []Action{
		{Name: "CreateLoadBalancer", Handler: createLoadBalancer,
			Note: "application load balancers only; DNSName is 127.0.0.1; Scheme, SecurityGroups and Tags are not kept"},
		{Name: "DescribeLoadBalancers", Handler: describeLoadBalancers, Note: "no pagination: every load balancer in one page"},
		{Name: "DeleteLoadBalancer", Handler: deleteLoadBalancer, Note: "its target groups stay, with their targets"},
		{Name: "CreateTargetGroup", Handler: createTargetGroup,
			Note: "HTTP, target type instance; targets get traffic on their launch template's port; with no HealthCheckPath the template's health path is checked"},
		{Name: "DescribeTargetGroups", Handler: describeTargetGroups, Note: "no pagination"},
		{Name: "ModifyTargetGroup", Handler: modifyTargetGroup, Note: "health check settings; HTTP only"},
		{Name: "DeleteTargetGroup", Handler: deleteTargetGroup, Note: "ResourceInUse while a listener forwards to it or an auto scaling group uses it"},
		{Name: "ModifyTargetGroupAttributes", Handler: modifyTargetGroupAttributes,
			Note: "deregistration_delay.timeout_seconds, slow_start.duration_seconds, load_balancing.algorithm.type (stickiness.enabled false only)"},
		{Name: "DescribeTargetGroupAttributes", Handler: describeTargetGroupAttributes, Note: "the modelled attributes only"},
		{Name: "CreateListener", Handler: createListener,
			Note: "one HTTP listener per load balancer on 127.0.0.1; a port taken or privileged gets a free one (the answer shows it); default action forward only"},
		{Name: "ModifyListener", Handler: modifyListener, Note: "the port (a taken one gets a free one, as CreateListener) and the default action (forward, weighted forward)"},
		{Name: "DescribeListeners", Handler: describeListeners, Note: "no pagination"},
		{Name: "DeleteListener", Handler: deleteListener},
		{Name: "RegisterTargets", Handler: registerTargets, Note: "running instances only; a target's Port is not used"},
		{Name: "DeregisterTargets", Handler: deregisterTargets},
		{Name: "DescribeTargetHealth", Handler: describeTargetHealth,
			Note: "a stopped instance is deregistered rather than reported unused (Target.InvalidState)"},
	}
}
