// Package elb is the control plane of the load balancers: their records in
// the store, and the live data plane (package lb) they drive.
package elb

// Service manages load balancers.
type Service struct{}
