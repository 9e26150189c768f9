package awsapi

// autoscalingActions are Auto Scaling's actions (signing name autoscaling).
func autoscalingActions() []Action {
	return nil
}
