// Package timing holds the clocks of a sandbox: AWS's own numbers, and the
// "fast" profile that keeps every rule but shortens the waits.
package timing

import (
	"fmt"
	"time"
)

// Profile is one set of timings. Only the clock differs between profiles.
type Profile struct {
	Name                string        `json:"name"`
	HealthInterval      time.Duration `json:"health_interval"`
	HealthTimeout       time.Duration `json:"health_timeout"`
	HealthyThreshold    int           `json:"healthy_threshold"`
	UnhealthyThreshold  int           `json:"unhealthy_threshold"`
	DeregistrationDelay time.Duration `json:"deregistration_delay"`
	GracePeriod         time.Duration `json:"grace_period"`
	CheckpointDelay     time.Duration `json:"checkpoint_delay"`
	Cooldown            time.Duration `json:"cooldown"`
	// MetricPeriod is how long target tracking averages a metric over:
	// CloudWatch's one-minute period on the aws profile.
	MetricPeriod      time.Duration `json:"metric_period"`
	TerminatedVisible time.Duration `json:"terminated_visible"`
	// StopTimeout is how long a container gets after SIGTERM before SIGKILL.
	StopTimeout time.Duration `json:"stop_timeout"`
	// DriftScanInterval is how often the daemon compares what runs with
	// what was launched.
	DriftScanInterval time.Duration `json:"drift_scan_interval"`
}

// Fast is the default profile: AWS's rules on a shorter clock.
func Fast() Profile {
	return Profile{
		Name:                "fast",
		HealthInterval:      time.Second,
		HealthTimeout:       500 * time.Millisecond,
		HealthyThreshold:    2,
		UnhealthyThreshold:  2,
		DeregistrationDelay: 2 * time.Second,
		GracePeriod:         2 * time.Second,
		CheckpointDelay:     5 * time.Second,
		Cooldown:            5 * time.Second,
		MetricPeriod:        5 * time.Second,
		TerminatedVisible:   10 * time.Minute,
		StopTimeout:         2 * time.Second,
		DriftScanInterval:   3 * time.Second,
	}
}

// AWS is AWS's own numbers.
func AWS() Profile {
	return Profile{
		Name:                "aws",
		HealthInterval:      30 * time.Second,
		HealthTimeout:       5 * time.Second,
		HealthyThreshold:    5,
		UnhealthyThreshold:  2,
		DeregistrationDelay: 300 * time.Second,
		GracePeriod:         0,
		CheckpointDelay:     3600 * time.Second,
		Cooldown:            300 * time.Second,
		MetricPeriod:        time.Minute,
		TerminatedVisible:   time.Hour,
		StopTimeout:         10 * time.Second,
		DriftScanInterval:   5 * time.Minute,
	}
}

// ByName returns the profile called name ("fast" or "aws").
func ByName(name string) (Profile, error) {
	switch name {
	case "", "fast":
		return Fast(), nil
	case "aws":
		return AWS(), nil
	}
	return Profile{}, fmt.Errorf("unknown timing profile %q: use fast or aws", name)
}
