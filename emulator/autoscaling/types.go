package autoscaling

import (
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// Store kinds.
const (
	kindGroup   = "groups"
	kindRefresh = "refreshes"
)

// Health check types of a group.
const (
	HealthCheckEC2 = "EC2"
	HealthCheckELB = "ELB"
)

// StatusDeleting is the status of a group whose instances are being drained
// and terminated before the group goes.
const StatusDeleting = "Delete in progress"

// Group is an auto scaling group as stored and as the API shows it.
type Group struct {
	Name     string `json:"name"`
	Template string `json:"template"`
	// TemplateVersion is the version as given: a number, $Latest or
	// $Default (a group made from a bare template name pins the number of
	// the template's default version at creation).
	TemplateVersion string   `json:"template_version"`
	Min             int      `json:"min"`
	Max             int      `json:"max"`
	Desired         int      `json:"desired"`
	Zones           []string `json:"zones"`
	LoadBalancer    string   `json:"load_balancer"` // the target group it registers with (--lb NAME)
	HealthCheckType string   `json:"health_check_type"`
	// HealthCheckGracePeriod keeps a new instance from being judged by the
	// load balancer's health checks until it had time to start.
	HealthCheckGracePeriod Duration `json:"health_check_grace_period"`
	// MaxHealthyPercentage is the instance maintenance policy: above 100, an
	// unhealthy instance's replacement is launched before it is terminated.
	MaxHealthyPercentage int       `json:"max_healthy_percentage"`
	CreatedAt            time.Time `json:"created_at"`
	// Policy is the group's target tracking scaling policy, if any.
	Policy *Policy `json:"policy,omitempty"`
	// Status is empty for a group in service, StatusDeleting while it goes.
	Status string `json:"status,omitempty"`
	// Drift is what drift detection does with a drifted instance:
	// DriftReplace (empty means it) or DriftReport.
	Drift string `json:"drift,omitempty"`
	// Tags are the group's own tags (AWS's Tags of a group).
	Tags map[string]string `json:"tags,omitempty"`
	// DefaultInstanceWarmup, when set, is the instance warmup a refresh
	// takes when it names none (else the health check grace period).
	DefaultInstanceWarmup *Duration `json:"default_instance_warmup,omitempty"`
}

// GroupSpec asks for a new group. Pointers distinguish "not given" (take
// the default) from an explicit zero.
type GroupSpec struct {
	Name string `json:"name"`
	// Template is NAME or NAME:VERSION (VERSION a number, $Latest or $Default).
	Template string `json:"template"`
	// TemplateVersion, when set, overrides a version given in Template.
	TemplateVersion        string            `json:"template_version,omitempty"`
	Min                    int               `json:"min"`
	Max                    int               `json:"max"`
	Desired                *int              `json:"desired,omitempty"` // default: Min, as AWS
	Zones                  []string          `json:"zones,omitempty"`   // default: every zone
	LoadBalancer           string            `json:"load_balancer,omitempty"`
	HealthCheckType        string            `json:"health_check_type,omitempty"` // default EC2
	HealthCheckGracePeriod *Duration         `json:"health_check_grace_period,omitempty"`
	MaxHealthyPercentage   int               `json:"max_healthy_percentage,omitempty"` // default 100
	Drift                  string            `json:"drift,omitempty"`                  // default DriftReplace
	Tags                   map[string]string `json:"tags,omitempty"`
	DefaultInstanceWarmup  *Duration         `json:"default_instance_warmup,omitempty"`
}

// ScaleSpec changes a group's capacity; fields left nil keep their value.
type ScaleSpec struct {
	Desired *int `json:"desired,omitempty"`
	Min     *int `json:"min,omitempty"`
	Max     *int `json:"max,omitempty"`
}

// GroupDetail is a group with its live instances, as `groups inspect` shows it.
type GroupDetail struct {
	Group
	// Instances are the group's instances that are not terminated (those
	// shutting down included), in launch order, as `instances ls` shows them.
	Instances []compute.Instance `json:"instances"`
	// Healthy counts the instances in service: running and, with a load
	// balancer, healthy in its target group.
	Healthy int `json:"healthy"`
	// Refresh is the refresh in progress, if any.
	Refresh *Refresh `json:"refresh,omitempty"`
	// Metric is the policy's metric as it was last computed, if any.
	Metric *MetricReading `json:"metric,omitempty"`
}

// Instance refresh statuses, as AWS names them.
const (
	RefreshPending            = "Pending"
	RefreshInProgress         = "InProgress"
	RefreshBaking             = "Baking"
	RefreshSuccessful         = "Successful"
	RefreshFailed             = "Failed"
	RefreshCancelling         = "Cancelling"
	RefreshCancelled          = "Cancelled"
	RefreshRollbackInProgress = "RollbackInProgress"
	RefreshRollbackSuccessful = "RollbackSuccessful"
	RefreshRollbackFailed     = "RollbackFailed"
)

// Done reports whether a refresh status is final.
func Done(status string) bool {
	switch status {
	case RefreshSuccessful, RefreshFailed, RefreshCancelled, RefreshRollbackSuccessful, RefreshRollbackFailed:
		return true
	}
	return false
}

// Configuration is what a group launches: a template and a version.
type Configuration struct {
	Template string `json:"template"`
	// Version as given: a number, $Latest or $Default.
	Version string `json:"version"`
	// ResolvedVersion is the number Version meant when the refresh started.
	ResolvedVersion int `json:"resolved_version"`
}

// Preferences of an instance refresh, with every default filled in.
type Preferences struct {
	MinHealthyPercentage  int      `json:"min_healthy_percentage"`
	MaxHealthyPercentage  int      `json:"max_healthy_percentage"`
	InstanceWarmup        Duration `json:"instance_warmup"`
	CheckpointPercentages []int    `json:"checkpoint_percentages,omitempty"`
	CheckpointDelay       Duration `json:"checkpoint_delay"`
	SkipMatching          bool     `json:"skip_matching"`
	AutoRollback          bool     `json:"auto_rollback"`
	BakeTime              Duration `json:"bake_time"`
}

// RefreshSpec asks for an instance refresh. Nil fields take their defaults.
type RefreshSpec struct {
	// TemplateVersion is the desired configuration: a number, $Latest,
	// $Default, or NAME:VERSION for another template. Empty means no desired
	// configuration: instances are replaced with the group's own.
	TemplateVersion       string    `json:"template_version,omitempty"`
	MinHealthyPercentage  *int      `json:"min_healthy_percentage,omitempty"`
	MaxHealthyPercentage  *int      `json:"max_healthy_percentage,omitempty"`
	InstanceWarmup        *Duration `json:"instance_warmup,omitempty"`
	CheckpointPercentages []int     `json:"checkpoint_percentages,omitempty"`
	CheckpointDelay       *Duration `json:"checkpoint_delay,omitempty"`
	SkipMatching          bool      `json:"skip_matching,omitempty"`
	AutoRollback          bool      `json:"auto_rollback,omitempty"`
	BakeTime              *Duration `json:"bake_time,omitempty"`
}

// Refresh is one instance refresh: its request, its status, and the steps
// it took, all persisted so that a restarted daemon carries on from there.
type Refresh struct {
	ID                string      `json:"id"`
	Group             string      `json:"group"`
	Status            string      `json:"status"`
	StatusReason      string      `json:"status_reason,omitempty"`
	PercentComplete   int         `json:"percent_complete"`
	InstancesToUpdate int         `json:"instances_to_update"`
	Preferences       Preferences `json:"preferences"`
	// DesiredConfiguration is what the user asked for; nil when the refresh
	// replaces instances with the group's own configuration.
	DesiredConfiguration *Configuration `json:"desired_configuration,omitempty"`
	// Target is what the refresh launches; Previous is what the group ran
	// before, which a rollback launches.
	Target    Configuration `json:"target"`
	Previous  Configuration `json:"previous"`
	StartTime time.Time     `json:"start_time"`
	EndTime   *time.Time    `json:"end_time,omitempty"`

	// ToUpdate holds the instances to replace, fixed when the refresh
	// leaves Pending; Skipped those left alone because they matched.
	ToUpdate []string `json:"to_update,omitempty"`
	Skipped  []string `json:"skipped,omitempty"`
	// Total is len(ToUpdate) when the refresh started.
	Total int `json:"total"`
	// CheckpointIndex is the next checkpoint to stop at; CheckpointReachedAt
	// is when the refresh stopped there (nil while not waiting).
	CheckpointIndex     int        `json:"checkpoint_index,omitempty"`
	CheckpointReachedAt *time.Time `json:"checkpoint_reached_at,omitempty"`
	// BakeUntil is when Baking ends.
	BakeUntil *time.Time `json:"bake_until,omitempty"`

	rev uint64 // the store revision it was read at
}
