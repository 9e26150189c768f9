package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/store"
)

// TestIntegrationDownWhileUpIsStarting runs `down --purge` while `up` is
// still starting its daemon: down must stop that daemon, not remove its
// state from under it and leave it running.
func TestIntegrationDownWhileUpIsStarting(t *testing.T) {
	c := newCLI(t)
	up := exec.Command(c.bin, "up")
	up.Env = append(os.Environ(), "CATTLE_SANDBOX="+c.sandbox, "CATTLE_STATE_DIR="+c.stateDir)
	var upOut bytes.Buffer
	up.Stdout, up.Stderr = &upOut, &upOut
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	upDone := make(chan error, 1)
	go func() { upDone <- up.Wait() }()

	// The daemon locks its state file first thing and answers only once
	// its network and image are ready: down runs in between.
	db := filepath.Join(c.stateDir, "state.db")
	deadline := time.Now().Add(60 * time.Second)
	for !store.Locked(db) {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon never locked %s; up said:\n%s", db, upOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := c.ok("down", "--purge")
	if !strings.Contains(out, "removed") {
		t.Errorf("down said %q", out)
	}
	// up finished its job (the daemon came up), then down stopped it.
	select {
	case err := <-upDone:
		if err != nil {
			t.Errorf("up failed (%v); it said:\n%s", err, upOut.String())
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("up did not return; it said:\n%s", upOut.String())
	}
	if pids := processesOf(c.sandbox); len(pids) > 0 {
		t.Errorf("processes of sandbox %s still run after down: %v", c.sandbox, pids)
	}
	if _, err := os.Stat(c.stateDir); !os.IsNotExist(err) {
		t.Errorf("state directory %s is still there (stat: %v)", c.stateDir, err)
	}
	if out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=dev.cattle.sandbox="+c.sandbox).Output(); len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("containers of sandbox %s are left: %s", c.sandbox, out)
	}
}

// processesOf lists the pids whose command line names the sandbox.
func processesOf(sandbox string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		for i, a := range args {
			if a == "--sandbox" && i+1 < len(args) && args[i+1] == sandbox {
				pids = append(pids, e.Name())
			}
		}
	}
	return pids
}
