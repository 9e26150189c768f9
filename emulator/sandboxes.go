package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/sandbox"
)

// Sandbox statuses, as `cattle sandboxes ls` shows them.
const (
	SandboxRunning  = "running"  // its daemon answers, or its owner process lives
	SandboxStopped  = "stopped"  // no daemon; `cattle up` adopts what is left
	SandboxOrphaned = "orphaned" // ephemeral, and its owner is gone: safe to prune
)

// SandboxSummary is one sandbox found in the engine by label or on disk.
type SandboxSummary struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	Ephemeral  bool   `json:"ephemeral"`
	OwnerPID   int    `json:"owner_pid,omitempty"`
	Containers int    `json:"containers"`
	Network    bool   `json:"network"`
	StateDir   string `json:"state_dir,omitempty"`
}

// ListSandboxes finds every sandbox: the ones whose containers or network
// carry the sandbox label, and the state directories under the default
// state root.
func ListSandboxes(ctx context.Context, rt sandbox.Runtime) ([]SandboxSummary, error) {
	found, owners := map[string]*SandboxSummary{}, map[string]Owner{}
	if err := fromEngine(ctx, rt, getter(found), owners); err != nil {
		return nil, err
	}
	fromDisk(getter(found))
	out := make([]SandboxSummary, 0, len(found))
	for name, s := range found {
		s.Status = statusOf(ctx, s, owners[name])
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// getter returns found's entry for a name, adding it when new.
func getter(found map[string]*SandboxSummary) func(string) *SandboxSummary {
	return func(name string) *SandboxSummary {
		if found[name] == nil {
			found[name] = &SandboxSummary{Name: name}
		}
		return found[name]
	}
}

func fromEngine(ctx context.Context, rt sandbox.Runtime, get func(string) *SandboxSummary, owners map[string]Owner) error {
	any := map[string]string{sandbox.LabelSandbox: ""}
	nets, err := rt.ListNetworks(ctx, any)
	if err != nil {
		return err
	}
	for _, n := range nets {
		s := get(n.Labels[sandbox.LabelSandbox])
		s.Network = true
		if dir := n.Labels[sandbox.LabelStateDir]; dir != "" {
			s.StateDir = dir
		}
		if o, err := ParseOwner(n.Labels[sandbox.LabelOwner]); err == nil {
			s.Ephemeral, s.OwnerPID = true, o.PID
			owners[s.Name] = o
		}
	}
	cs, err := rt.List(ctx, any)
	if err != nil {
		return err
	}
	for _, c := range cs {
		get(c.Labels[sandbox.LabelSandbox]).Containers++
	}
	return nil
}

// fromDisk adds the sandboxes with a state directory under the default root.
func fromDisk(get func(string) *SandboxSummary) {
	root, err := StateDir("")
	if err != nil {
		return
	}
	dirs, _ := os.ReadDir(root)
	for _, d := range dirs {
		dir := filepath.Join(root, d.Name())
		if _, err := os.Stat(PathsIn(dir).DB); err != nil || ValidateSandboxName(d.Name()) != nil {
			continue
		}
		if s := get(d.Name()); s.StateDir == "" {
			s.StateDir = dir
		}
	}
}

func statusOf(ctx context.Context, s *SandboxSummary, owner Owner) string {
	if s.Ephemeral {
		if owner.Alive() {
			return SandboxRunning
		}
		return SandboxOrphaned
	}
	if s.StateDir != "" && daemonAnswers(ctx, PathsIn(s.StateDir)) {
		return SandboxRunning
	}
	return SandboxStopped
}

func daemonAnswers(ctx context.Context, paths Paths) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := api.NewClient(paths.Socket).Status(ctx)
	return err == nil
}

// PruneOrphans removes the ephemeral sandboxes whose owner process is gone
// (a scenario run killed with SIGKILL, a cancelled CI job): their
// containers, network and images, and their temporary state directory. A
// sandbox whose owner lives, or that has no owner (one `cattle up`
// started), is never touched. It returns what it removed. Every scenario
// run calls it first, so it reads only the engine: no state directory, no
// daemon is asked.
func PruneOrphans(ctx context.Context, rt sandbox.Runtime) ([]SandboxSummary, error) {
	found, owners := map[string]*SandboxSummary{}, map[string]Owner{}
	if err := fromEngine(ctx, rt, getter(found), owners); err != nil {
		return nil, err
	}
	var orphans []SandboxSummary
	for name, s := range found {
		if s.Ephemeral && !owners[name].Alive() {
			s.Status = SandboxOrphaned
			orphans = append(orphans, *s)
		}
	}
	sort.Slice(orphans, func(i, j int) bool { return orphans[i].Name < orphans[j].Name })
	var removed []SandboxSummary
	var errs []error
	for _, s := range orphans {
		if err := Teardown(ctx, rt, s.Name, true); err != nil {
			errs = append(errs, fmt.Errorf("pruning sandbox %s: %w", s.Name, err))
			continue
		}
		if ephemeralStateDir(s) {
			_ = os.RemoveAll(s.StateDir)
		}
		removed = append(removed, s)
	}
	return removed, errors.Join(errs...)
}

// ephemeralStateDir is true for the temporary directory a scenario run made
// for the sandbox (os.MkdirTemp("", "cattle-NAME-")), and for nothing else.
func ephemeralStateDir(s SandboxSummary) bool {
	base := filepath.Base(s.StateDir)
	return s.StateDir != "" && strings.HasPrefix(base, "cattle-"+s.Name+"-") &&
		filepath.Dir(s.StateDir) == filepath.Clean(os.TempDir())
}
