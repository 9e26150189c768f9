package compute_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
)

// engineInspect is the part of `docker inspect` the containment shows in.
type engineInspect struct {
	HostConfig struct {
		Privileged   bool
		SecurityOpt  []string
		PidsLimit    *int64
		CapAdd       []string
		CapDrop      []string
		Binds        []string
		Mounts       []any
		NetworkMode  string
		PidMode      string
		IpcMode      string
		Memory       int64
		NanoCpus     int64
		PortBindings map[string][]struct{ HostIp, HostPort string }
	}
	Mounts []any
}

func inspectThroughEngine(t *testing.T, containerID string) engineInspect {
	t.Helper()
	out, err := exec.Command("docker", "inspect", containerID).Output()
	if err != nil {
		t.Fatalf("docker inspect %s: %v", containerID, err)
	}
	var all []engineInspect
	if err := json.Unmarshal(out, &all); err != nil || len(all) != 1 {
		t.Fatalf("docker inspect %s: %v\n%s", containerID, err, out)
	}
	h := &all[0].HostConfig
	h.CapAdd, h.CapDrop = capNames(h.CapAdd), capNames(h.CapDrop)
	return all[0]
}

// capNames drops the CAP_ prefix some engine versions add, sorted.
func capNames(caps []string) []string {
	var out []string
	for _, c := range caps {
		out = append(out, strings.TrimPrefix(c, "CAP_"))
	}
	slices.Sort(out)
	return out
}

// TestIntegrationInstanceContainersAreContained launches instances and
// reads their containers back from the engine, as a user auditing them would.
func TestIntegrationInstanceContainersAreContained(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web",
		TemplateData: compute.TemplateData{Image: "builtin/demo", Port: 8080, InstanceType: "t3.nano"}}); err != nil {
		t.Fatal(err)
	}
	insts, err := s.Client.RunInstances(ctx, api.RunInstancesRequest{Template: "web"})
	if err != nil || len(insts) != 1 || insts[0].State != compute.StateRunning {
		t.Fatalf("run: %+v, %v", insts, err)
	}
	h := inspectThroughEngine(t, insts[0].ContainerID).HostConfig
	if h.Privileged {
		t.Error("the instance's container is privileged")
	}
	if !slices.Contains(h.SecurityOpt, "no-new-privileges:true") && !slices.Contains(h.SecurityOpt, "no-new-privileges") {
		t.Errorf("security options %v lack no-new-privileges", h.SecurityOpt)
	}
	if h.PidsLimit == nil || *h.PidsLimit != 64 {
		t.Errorf("pids limit = %v, want 64 (t3.nano)", h.PidsLimit)
	}
	if !slices.Equal(h.CapDrop, []string{"NET_RAW"}) || len(h.CapAdd) != 0 {
		t.Errorf("capabilities: drop %v add %v, want NET_RAW dropped, none added", h.CapDrop, h.CapAdd)
	}
	if len(h.Binds) != 0 || len(h.Mounts) != 0 || len(inspectThroughEngine(t, insts[0].ContainerID).Mounts) != 0 {
		t.Errorf("the container mounts from the host: binds %v mounts %v", h.Binds, h.Mounts)
	}
	if h.NetworkMode != "cattle-"+s.Name || h.PidMode != "" || h.IpcMode != "private" {
		t.Errorf("namespaces: network %q pid %q ipc %q, want the sandbox network and private PID and IPC", h.NetworkMode, h.PidMode, h.IpcMode)
	}
	if h.Memory != 64<<20 || h.NanoCpus != 25e7 {
		t.Errorf("limits: memory %d, cpus %d, want 64 MiB and 0.25 CPU", h.Memory, h.NanoCpus)
	}
	for port, bindings := range h.PortBindings {
		for _, b := range bindings {
			if b.HostIp != "127.0.0.1" {
				t.Errorf("port %s is published on %q, want 127.0.0.1 only", port, b.HostIp)
			}
		}
	}
	if len(h.PortBindings) != 1 {
		t.Errorf("port bindings %v, want the template's one port", h.PortBindings)
	}
}

// TestIntegrationTemplateAddsBackAnAllowedCapability checks that a
// version's cap_add reaches the container and that NET_RAW, added back, is
// no longer dropped.
func TestIntegrationTemplateAddsBackAnAllowedCapability(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "tools",
		TemplateData: compute.TemplateData{Image: "builtin/demo", Port: 8080, CapAdd: []string{"NET_RAW", "sys_ptrace"}}}); err != nil {
		t.Fatal(err)
	}
	insts, err := s.Client.RunInstances(ctx, api.RunInstancesRequest{Template: "tools"})
	if err != nil || len(insts) != 1 || insts[0].State != compute.StateRunning {
		t.Fatalf("run: %+v, %v", insts, err)
	}
	h := inspectThroughEngine(t, insts[0].ContainerID).HostConfig
	if !slices.Equal(h.CapAdd, []string{"NET_RAW", "SYS_PTRACE"}) || len(h.CapDrop) != 0 {
		t.Errorf("capabilities: add %v drop %v, want NET_RAW and SYS_PTRACE added, none dropped", h.CapAdd, h.CapDrop)
	}
	if h.PidsLimit == nil || *h.PidsLimit != 128 || !slices.Contains(h.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("pids limit %v, security options %v: want 128 (t3.micro) and no-new-privileges", h.PidsLimit, h.SecurityOpt)
	}
}
