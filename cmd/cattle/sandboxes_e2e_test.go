package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type sandboxJSON struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	Ephemeral  bool   `json:"ephemeral"`
	OwnerPID   int    `json:"owner_pid"`
	Containers int    `json:"containers"`
	Network    bool   `json:"network"`
}

// ownedBy finds the sandbox a process owns in `sandboxes ls`.
func ownedBy(c *cli, pid int) (sandboxJSON, bool) {
	var all []sandboxJSON
	c.jsonOut(&all, "sandboxes", "ls", "-o", "json")
	for _, s := range all {
		if s.Ephemeral && s.OwnerPID == pid {
			return s, true
		}
	}
	return sandboxJSON{}, false
}

// TestIntegrationKilledScenarioRunIsReaped repeats the finding: a scenario
// run killed with SIGKILL mid-run (a cancelled CI job) left its containers
// and network behind, and nothing listed or removed them.
func TestIntegrationKilledScenarioRunIsReaped(t *testing.T) {
	c := newCLI(t)
	file := filepath.Join(t.TempDir(), "long.yaml")
	os.WriteFile(file, []byte(`name: long
setup:
  templates: [{name: web, image: builtin/demo, port: 8080}]
  groups: [{name: web, template: web, min: 2, max: 2, desired: 2}]
steps:
  - expect: {group: web, healthy: 2, within: 120s}
  - wait: 10m
`), 0o644)
	run := exec.Command(c.bin, "scenario", "run", file)
	run.Env = os.Environ()
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer run.Process.Kill()
	var s sandboxJSON
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var ok bool
		if s, ok = ownedBy(c, run.Process.Pid); ok && s.Containers >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scenario run's sandbox never showed 2 containers in 'sandboxes ls' (last %+v)", s)
		}
		time.Sleep(time.Second)
	}
	if s.Status != "running" || !s.Network {
		t.Fatalf("a live run's sandbox is listed as %+v, want running with its network", s)
	}
	c.ok("sandboxes", "prune") // a live owner's sandbox is never touched
	if len(labelled(t, s.Name)) < 2 {
		t.Fatalf("prune removed the containers of a run that is still alive")
	}

	_ = run.Process.Signal(syscall.SIGKILL)
	_ = run.Wait()
	// go test runs packages side by side, and every scenario run prunes
	// first: another prune may take the orphan before ours. Whoever does,
	// it is listed as orphaned until then and gone afterwards.
	if got, listed := ownedBy(c, run.Process.Pid); listed && got.Status != "orphaned" {
		t.Fatalf("after SIGKILL: listed as %+v, want orphaned", got)
	}
	out := c.ok("sandboxes", "prune")
	if !strings.Contains(out, "removed sandbox "+s.Name) {
		t.Logf("prune said %q: another run's prune took %s first", out, s.Name)
	}
	if left := labelled(t, s.Name); len(left) != 0 {
		t.Fatalf("prune left %d containers of %s", len(left), s.Name)
	}
	if nets, _ := exec.Command("docker", "network", "ls", "-q", "--filter", "label=dev.cattle.sandbox="+s.Name).Output(); len(strings.TrimSpace(string(nets))) != 0 {
		t.Fatalf("prune left the network of %s", s.Name)
	}
	if _, ok := ownedBy(c, run.Process.Pid); ok {
		t.Fatalf("%s is still listed after prune", s.Name)
	}
}
