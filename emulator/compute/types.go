// Package compute holds launch templates and instances: the EC2 part of a
// sandbox. An instance is one container; its record in the store is the
// truth about what should run, the engine is the truth about what does.
package compute

import (
	"github.com/cattle-dev/cattle/internal/errdefs"
	"sort"
	"strings"
	"time"
)

// Store kinds.
const (
	kindTemplate = "templates"
	kindVersion  = "template_versions"
	kindInstance = "instances"
)

// Template is a launch template; its content lives in its versions.
type Template struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	DefaultVersion int       `json:"default_version"`
	LatestVersion  int       `json:"latest_version"`
	CreatedAt      time.Time `json:"created_at"`
}

// HealthCheck is what a template says about checking its instances.
type HealthCheck struct {
	Path string `json:"path,omitempty"`
}

// TemplateData is the content of one template version as a user gives it.
type TemplateData struct {
	Image        string            `json:"image"`
	InstanceType string            `json:"instance_type,omitempty"`
	Port         int               `json:"port,omitempty"`
	Env          map[string]string `json:"env,omitempty"`
	Command      []string          `json:"command,omitempty"`
	Health       HealthCheck       `json:"health,omitempty"`
	UserData     string            `json:"user_data,omitempty"`
	Description  string            `json:"description,omitempty"`
	// CapAdd adds capabilities back to the instance's container, from
	// sandbox.AddableCapabilities only.
	CapAdd []string `json:"cap_add,omitempty"`
	// DriftIgnore lists paths (or path.Match patterns) whose changes in a
	// running instance are normal, beside the defaults drift detection
	// ignores (/tmp, /run, /var/log, ...).
	DriftIgnore []string `json:"drift_ignore,omitempty"`
	// Tags are put on every instance launched from the version (a run's
	// own tags win), as a launch template's instance TagSpecifications.
	Tags map[string]string `json:"tags,omitempty"`
}

// TemplateVersion is one immutable version of a template. The image digest
// is resolved when the version is made: a tag moved later changes nothing.
type TemplateVersion struct {
	TemplateID   string `json:"template_id"`
	TemplateName string `json:"template"`
	Version      int    `json:"version"`
	ImageDigest  string `json:"image_digest"`
	// ImageRepository is the registry repository holding ImageDigest (a
	// manifest digest); empty in versions made before launches came from
	// the registry, whose ImageDigest is an engine image id.
	ImageRepository string    `json:"image_repository,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	TemplateData
}

// Instance states and their EC2 codes.
const (
	StatePending      = "pending"
	StateRunning      = "running"
	StateShuttingDown = "shutting-down"
	StateTerminated   = "terminated"
	StateStopping     = "stopping"
	StateStopped      = "stopped"
)

var stateCodes = map[string]int{
	StatePending: 0, StateRunning: 16, StateShuttingDown: 32,
	StateTerminated: 48, StateStopping: 64, StateStopped: 80,
}

// StateCode is the EC2 code of a state.
func StateCode(state string) int { return stateCodes[state] }

// Instance is one launched instance.
type Instance struct {
	ID              string `json:"id"`
	State           string `json:"state"`
	StateCode       int    `json:"state_code"`
	StateReason     string `json:"state_reason,omitempty"`
	Template        string `json:"template"`
	TemplateID      string `json:"template_id"`
	TemplateVersion int    `json:"template_version"`
	Image           string `json:"image"`
	ImageDigest     string `json:"image_digest"`
	// ImageRef is the reference the container was created from
	// (127.0.0.1:PORT/REPO@sha256:...) and ImageID the engine's id of it
	// then: a container running another id has drifted.
	ImageRef       string            `json:"image_ref,omitempty"`
	ImageID        string            `json:"image_id,omitempty"`
	InstanceType   string            `json:"instance_type"`
	Zone           string            `json:"zone"`
	Port           int               `json:"port,omitempty"`
	Address        string            `json:"address,omitempty"`
	ContainerID    string            `json:"container_id,omitempty"`
	ConfigHash     string            `json:"config_hash"`
	Group          string            `json:"group,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
	LaunchedAt     time.Time         `json:"launched_at"`
	StateChangedAt time.Time         `json:"state_changed_at"`
	TerminatedAt   *time.Time        `json:"terminated_at,omitempty"`
}

// Live reports whether the instance has not reached the end of its life.
func (i Instance) Live() bool { return i.State != StateTerminated }

// InstanceType is a size: the limits put on the container.
type InstanceType struct {
	Name     string  `json:"name"`
	MemoryMB int64   `json:"memory_mb"`
	CPUs     float64 `json:"cpus"`
	// PidsLimit bounds the processes and threads an instance runs at once,
	// so that a fork bomb in one stops at its own limit.
	PidsLimit int64 `json:"pids_limit"`
}

// Instance types, scaled down so that a laptop holds a fleet of them. The
// pids limits leave a Go or JVM service and a shell session ample room (a
// Go server runs a few dozen threads) while a runaway fork stays small
// beside the host's default of 4 million.
var instanceTypes = []InstanceType{
	{"t3.nano", 64, 0.25, 64},
	{"t3.micro", 128, 0.5, 128},
	{"t3.small", 256, 1, 256},
	{"t3.medium", 512, 1, 512},
	{"t3.large", 1024, 2, 1024},
}

// InstanceTypes are the instance types, smallest first.
func InstanceTypes() []InstanceType { return append([]InstanceType(nil), instanceTypes...) }

// DefaultInstanceType is used when a template names none.
const DefaultInstanceType = "t3.micro"

// LookupInstanceType finds a type by name.
func LookupInstanceType(name string) (InstanceType, error) {
	if name == "" {
		name = DefaultInstanceType
	}
	for _, t := range instanceTypes {
		if t.Name == name {
			return t, nil
		}
	}
	names := make([]string, len(instanceTypes))
	for i, t := range instanceTypes {
		names[i] = t.Name
	}
	return InstanceType{}, errdefs.Invalid("unknown instance type %q: use one of %s", name, strings.Join(names, ", "))
}

// Zones a sandbox places instances in.
var Zones = []string{"zone-a", "zone-b", "zone-c"}

func validZone(z string) bool {
	i := sort.SearchStrings(Zones, z)
	return i < len(Zones) && Zones[i] == z
}
