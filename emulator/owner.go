package emulator

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Owner is the process an ephemeral sandbox lives for. A pid alone could be
// reused, after a reboot or by a later process, so the boot id and the
// process's start time (both from /proc, where there is one) come with it.
type Owner struct {
	PID   int
	Boot  string // /proc/sys/kernel/random/boot_id
	Start uint64 // the process's start time in clock ticks since boot
}

// CurrentOwner describes this process.
func CurrentOwner() Owner {
	pid := os.Getpid()
	return Owner{PID: pid, Boot: bootID(), Start: startTicks(pid)}
}

// String is the form kept in the LabelOwner label.
func (o Owner) String() string { return fmt.Sprintf("%d/%s/%d", o.PID, o.Boot, o.Start) }

// ParseOwner reads a LabelOwner value.
func ParseOwner(s string) (Owner, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return Owner{}, fmt.Errorf("owner %q: want PID/BOOT/START", s)
	}
	pid, err := strconv.Atoi(parts[0])
	if err != nil || pid <= 0 {
		return Owner{}, fmt.Errorf("owner %q: bad pid", s)
	}
	start, err := strconv.ParseUint(parts[2], 10, 64)
	if err != nil {
		return Owner{}, fmt.Errorf("owner %q: bad start time", s)
	}
	return Owner{PID: pid, Boot: parts[1], Start: start}, nil
}

// Alive tells whether the owner process still runs: same boot, a process of
// that pid, started at the same tick.
func (o Owner) Alive() bool {
	if b := bootID(); b != "" && o.Boot != "" && b != o.Boot {
		return false
	}
	if err := syscall.Kill(o.PID, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if o.Start != 0 {
		if now := startTicks(o.PID); now != 0 && now != o.Start {
			return false // the pid was reused
		}
	}
	return true
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// startTicks reads field 22 of /proc/PID/stat; 0 where there is no /proc.
func startTicks(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	fields := strings.Fields(rest)
	if len(fields) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(fields[19], 10, 64)
	return v
}
