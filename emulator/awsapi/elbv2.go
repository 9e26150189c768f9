package awsapi

// elbv2Actions are Elastic Load Balancing v2's actions (signing name
// elasticloadbalancing, Version 2015-12-01).
func elbv2Actions() []Action {
	return nil
}
