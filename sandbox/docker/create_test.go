package docker

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/cattle-dev/cattle/sandbox"
)

func TestContainerConfigPublishesOnLoopbackOnlyAndStaysUnprivileged(t *testing.T) {
	r := &Runtime{stopTimeout: 7_500_000_000} // 7.5s rounds up to 8
	cfg, host, err := r.containerConfig(sandbox.ContainerSpec{
		Image: "demo", Port: 8080, Network: "cattle-net", Memory: 64 << 20, NanoCPUs: 5e8,
		Labels: map[string]string{sandbox.LabelSandbox: "s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if host.Privileged || host.NetworkMode.IsHost() || len(host.Binds) != 0 || len(host.Mounts) != 0 {
		t.Fatalf("host config grants too much: privileged=%v network=%q binds=%v mounts=%v",
			host.Privileged, host.NetworkMode, host.Binds, host.Mounts)
	}
	if host.NetworkMode != "cattle-net" || host.RestartPolicy.Name != container.RestartPolicyDisabled {
		t.Fatalf("network=%q restart=%q", host.NetworkMode, host.RestartPolicy.Name)
	}
	if host.Memory != 64<<20 || host.NanoCPUs != 5e8 {
		t.Fatalf("limits memory=%d nanocpus=%d", host.Memory, host.NanoCPUs)
	}
	if cfg.StopTimeout == nil || *cfg.StopTimeout != 8 {
		t.Fatalf("stop timeout = %v, want 8s", cfg.StopTimeout)
	}
	if len(host.PortBindings) != 1 {
		t.Fatalf("port bindings = %v, want one", host.PortBindings)
	}
	for port, bindings := range host.PortBindings {
		if port.String() != "8080/tcp" || len(bindings) != 1 || bindings[0].HostIP != loopback || bindings[0].HostPort != "" {
			t.Fatalf("binding %v -> %+v, want 8080/tcp on 127.0.0.1, any port", port, bindings)
		}
	}
}

func TestContainerConfigFixedHostPortAndNoPort(t *testing.T) {
	r := &Runtime{}
	_, host, err := r.containerConfig(sandbox.ContainerSpec{Image: "demo", Port: 80, HostPort: 18080})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range host.PortBindings {
		if b[0].HostPort != "18080" {
			t.Fatalf("host port = %q, want 18080", b[0].HostPort)
		}
	}
	_, host, err = r.containerConfig(sandbox.ContainerSpec{Image: "demo"})
	if err != nil || len(host.PortBindings) != 0 {
		t.Fatalf("no port: bindings %v, err %v", host.PortBindings, err)
	}
}

func TestContainerConfigRejectsBadPorts(t *testing.T) {
	r := &Runtime{}
	for _, spec := range []sandbox.ContainerSpec{
		{Image: "demo", Port: 70000},
		{Image: "demo", Port: -1},
		{Image: "demo", Port: 80, HostPort: 70000},
	} {
		_, _, err := r.containerConfig(spec)
		if err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("spec port %d host port %d: err = %v, want out of range", spec.Port, spec.HostPort, err)
		}
	}
}
