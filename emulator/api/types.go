// Package api is the HTTP JSON API of a sandbox's daemon and the Go client
// that the CLI, the scenario runner and tests use to talk to it.
package api

import (
	"github.com/cattle-dev/cattle/emulator/compute"
)

// DashboardLogin is a one-time login to the dashboard: a browser opens
// Path at the daemon's API address within ExpiresIn seconds, once.
type DashboardLogin struct {
	Path      string `json:"path"`
	ExpiresIn int    `json:"expires_in_seconds"`
}

// Status describes a running sandbox.
type Status struct {
	Sandbox       string         `json:"sandbox"`
	PID           int            `json:"pid"`
	API           string         `json:"api"`          // 127.0.0.1:port of the HTTP API
	Registry      string         `json:"registry"`     // 127.0.0.1:port of the OCI registry
	AWSEndpoint   string         `json:"aws_endpoint"` // http://127.0.0.1:port of the AWS endpoint
	Region        string         `json:"aws_region"`   // the AWS region the endpoint is
	Socket        string         `json:"socket"`
	StateDir      string         `json:"state_dir"`
	Network       string         `json:"network"`
	Timing        string         `json:"timing"`
	EngineVersion string         `json:"engine_version"`
	EngineHost    string         `json:"engine_host"`
	StartedAt     string         `json:"started_at"`
	Counts        map[string]int `json:"counts"`
}

// CreateTemplateRequest makes a template with its first version.
type CreateTemplateRequest struct {
	Name string `json:"name"`
	compute.TemplateData
}

// CreateVersionRequest adds a version to a template.
type CreateVersionRequest struct {
	From       string `json:"from,omitempty"` // the source version; $Latest when empty
	SetDefault bool   `json:"set_default,omitempty"`
	// UnsetEnv names environment variables the new version drops from
	// its source.
	UnsetEnv []string `json:"unset_env,omitempty"`
	compute.TemplateData
}

// SetDefaultRequest names a template's new default version.
type SetDefaultRequest struct {
	Version string `json:"version"`
}

// TemplateDetail is a template with its versions.
type TemplateDetail struct {
	compute.Template
	Versions []compute.TemplateVersion `json:"versions"`
}

// RunInstancesRequest launches instances.
type RunInstancesRequest struct {
	Template string `json:"template"`
	Version  string `json:"version,omitempty"`
	Count    int    `json:"count,omitempty"`
	Zone     string `json:"zone,omitempty"`
}

// TerminateRequest terminates instances.
type TerminateRequest struct {
	IDs []string `json:"ids"`
}

// ShutdownRequest stops the daemon; Purge also removes images and state.
type ShutdownRequest struct {
	Purge bool `json:"purge,omitempty"`
}

// ErrorBody is the body of every failed request.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}
