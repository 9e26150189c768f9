package sandbox

import (
	"fmt"
	"slices"
	"strings"
)

// Every runtime runs every container contained, whatever the spec: never
// privileged, no host mount or engine socket, no host network, PID or IPC
// namespace, no gaining privileges through setuid binaries
// (no-new-privileges), and the engine's default capability set less
// DroppedCapabilities. A spec may add back only AddableCapabilities.

// DroppedCapabilities leave the engine's default set on every container
// unless the spec adds them back: raw sockets let a process forge packets
// on the sandbox network.
var DroppedCapabilities = []string{"NET_RAW"}

// AddableCapabilities are the only ones a spec may add back, each for a
// common need that stays inside the container's own namespaces:
//   - NET_RAW: ping and traceroute (dropped by default, see above);
//   - NET_BIND_SERVICE: ports below 1024 (in the default set already, so
//     asking for it is harmless);
//   - SYS_PTRACE: strace and debuggers on the container's own processes,
//     which its PID namespace keeps from seeing any other.
//
// Anything broader (SYS_ADMIN, NET_ADMIN, SYS_MODULE, ...) reaches the host
// or the other instances, and is refused.
var AddableCapabilities = []string{"NET_BIND_SERVICE", "NET_RAW", "SYS_PTRACE"}

// NormalizeCapabilities checks capability names against
// AddableCapabilities and returns them upper-cased, without a CAP_ prefix,
// sorted and without duplicates. An empty list stays nil.
func NormalizeCapabilities(caps []string) ([]string, error) {
	var out []string
	for _, c := range caps {
		name := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
		if !slices.Contains(AddableCapabilities, name) {
			return nil, fmt.Errorf("capability %q cannot be added: instances may add only %s", c, strings.Join(AddableCapabilities, ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// CheckNetwork refuses network modes that would share a namespace with the
// host or another container.
func CheckNetwork(network string) error {
	mode := strings.ToLower(network)
	if mode == "host" || strings.HasPrefix(mode, "container:") || strings.HasPrefix(mode, "ns:") {
		return fmt.Errorf("network %q is not allowed: containers run on their sandbox's own network, never the host's or another container's", network)
	}
	return nil
}
