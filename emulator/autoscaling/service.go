// Package autoscaling keeps groups of instances at capacity and replaces
// them by instance refresh.
package autoscaling

// Service manages auto scaling groups.
type Service struct{}
