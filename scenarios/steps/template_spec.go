package steps

import (
	"sort"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

// templateSpec is the content of a launch template version as a scenario
// writes it.
type templateSpec struct {
	Image       string            `yaml:"image" default:"builtin/demo (template_version: the source version's)"`
	Port        int               `yaml:"port" default:"none: not published (template_version: the source version's)"`
	Type        string            `yaml:"type" default:"t3.micro (template_version: the source version's)"`
	Health      *healthSpec       `yaml:"health" default:"none (template_version: the source version's)"`
	Env         map[string]string `yaml:"env" default:"none (template_version: the source version's)"`
	Command     []string          `yaml:"command" default:"the image's (template_version: the source version's)"`
	UserData    string            `yaml:"user_data" default:"none (template_version: the source version's)"`
	Description string            `yaml:"description" default:"none"`
}

type healthSpec struct {
	Path string `yaml:"path"`
}

func (t templateSpec) validate() error {
	if t.Port < 0 || t.Port > 65535 {
		return scenarios.FieldError("port", "port %d is out of range: use 1-65535", t.Port)
	}
	if t.Health != nil && t.Health.Path != "" && !strings.HasPrefix(t.Health.Path, "/") {
		return scenarios.FieldError("health", "health check path %q must start with /", t.Health.Path)
	}
	if t.Type != "" {
		if _, err := compute.LookupInstanceType(t.Type); err != nil {
			return scenarios.FieldError("type", "%v", err)
		}
	}
	return nil
}

func (t templateSpec) data() compute.TemplateData {
	d := compute.TemplateData{Image: t.Image, Port: t.Port, InstanceType: t.Type, Env: t.Env,
		Command: t.Command, UserData: t.UserData, Description: t.Description}
	if t.Health != nil {
		d.Health = compute.HealthCheck{Path: t.Health.Path}
	}
	return d
}

// envText renders an environment for notes: "DEMO_VERSION=v2".
func envText(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + env[k]
	}
	return strings.Join(parts, " ")
}

// withEnv renders an environment after a note, or nothing.
func withEnv(env map[string]string) string {
	if len(env) == 0 {
		return ""
	}
	return " with " + envText(env)
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}
