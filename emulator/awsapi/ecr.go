package awsapi

// ecrActions are ECR's actions (JSON 1.1, X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.ACTION).
func ecrActions() []Action {
	return nil
}
