package docker

import (
	"slices"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/sandbox"
)

func TestContainerConfigIsContainedByDefault(t *testing.T) {
	r := &Runtime{}
	_, host, err := r.containerConfig(sandbox.ContainerSpec{Image: "demo", Network: "cattle-net", PidsLimit: 64})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(host.SecurityOpt, []string{"no-new-privileges:true"}) {
		t.Errorf("security options = %v, want no-new-privileges", host.SecurityOpt)
	}
	if !slices.Equal(host.CapDrop, []string{"NET_RAW"}) || len(host.CapAdd) != 0 {
		t.Errorf("cap drop %v add %v, want NET_RAW dropped and nothing added", host.CapDrop, host.CapAdd)
	}
	if host.PidsLimit == nil || *host.PidsLimit != 64 {
		t.Errorf("pids limit = %v, want 64", host.PidsLimit)
	}
	if host.Privileged || host.IpcMode != "private" || host.PidMode != "" || host.UTSMode != "" || host.UsernsMode != "" {
		t.Errorf("namespaces shared or privileged: privileged=%v ipc=%q pid=%q uts=%q userns=%q",
			host.Privileged, host.IpcMode, host.PidMode, host.UTSMode, host.UsernsMode)
	}
	if len(host.Binds) != 0 || len(host.Mounts) != 0 || len(host.VolumesFrom) != 0 || len(host.Devices) != 0 {
		t.Errorf("host config mounts something: binds=%v mounts=%v volumes-from=%v devices=%v",
			host.Binds, host.Mounts, host.VolumesFrom, host.Devices)
	}
}

func TestContainerConfigAddsBackOnlyAllowedCapabilities(t *testing.T) {
	r := &Runtime{}
	_, host, err := r.containerConfig(sandbox.ContainerSpec{Image: "demo", CapAdd: []string{"cap_sys_ptrace", "NET_RAW"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(host.CapAdd, []string{"NET_RAW", "SYS_PTRACE"}) || len(host.CapDrop) != 0 {
		t.Errorf("cap add %v drop %v, want NET_RAW and SYS_PTRACE added and nothing dropped", host.CapAdd, host.CapDrop)
	}
	for _, c := range []string{"SYS_ADMIN", "ALL", "NET_ADMIN"} {
		_, _, err := r.containerConfig(sandbox.ContainerSpec{Image: "demo", CapAdd: []string{c}})
		if err == nil || !strings.Contains(err.Error(), "cannot be added") {
			t.Errorf("cap add %s: err = %v, want it refused", c, err)
		}
	}
}

func TestContainerConfigRefusesHostAndSharedNetworks(t *testing.T) {
	r := &Runtime{}
	for _, n := range []string{"host", "HOST", "container:abc", "ns:/proc/1/ns/net"} {
		_, _, err := r.containerConfig(sandbox.ContainerSpec{Image: "demo", Network: n})
		if err == nil || !strings.Contains(err.Error(), "is not allowed") {
			t.Errorf("network %q: err = %v, want it refused", n, err)
		}
	}
}
