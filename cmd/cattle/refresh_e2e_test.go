package main_test

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

type refreshJSON struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	PercentComplete int    `json:"percent_complete"`
}

type groupJSON struct {
	Name         string         `json:"name"`
	Min          int            `json:"min"`
	Max          int            `json:"max"`
	Desired      int            `json:"desired"`
	LoadBalancer string         `json:"load_balancer"`
	Instances    []instanceJSON `json:"instances"`
}

// A refresh survives its daemon being killed with SIGKILL: the new daemon
// finishes it with the right count, replacing no instance twice.
func TestIntegrationRefreshSurvivesSIGKILL(t *testing.T) {
	c := newCLI(t)
	c.ok("up")
	c.ok("templates", "create", "web", "--image", "builtin/demo", "--port", "8080", "--health", "/healthz", "--env", "DEMO_VERSION=v1")
	c.ok("lb", "create", "web")
	c.ok("groups", "create", "web", "--template", "web", "--min", "4", "--max", "8", "--desired", "4",
		"--lb", "web", "--health-check-type", "ELB", "--wait")
	c.ok("templates", "version", "web", "--env", "DEMO_VERSION=v2")
	c.ok("groups", "refresh", "web", "--template-version", "2", "--min-healthy", "50")

	killDaemonMidRefresh(t, c)
	c.ok("up")

	var rs []refreshJSON
	deadline := time.Now().Add(3 * time.Minute)
	for {
		c.jsonOut(&rs, "groups", "refreshes", "web", "-o", "json")
		if len(rs) == 1 && rs[0].Status != "InProgress" && rs[0].Status != "Pending" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refresh did not finish after the restart: %+v", rs)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if rs[0].Status != "Successful" || rs[0].PercentComplete != 100 {
		t.Fatalf("refresh after the restart: %+v, want Successful at 100%%", rs[0])
	}
	var g groupJSON
	c.jsonOut(&g, "groups", "inspect", "web", "-o", "json")
	if len(g.Instances) != 4 {
		t.Fatalf("group has %d instances after the refresh, want 4: %+v", len(g.Instances), g.Instances)
	}
	for _, i := range g.Instances {
		if i.TemplateVersion != 2 || i.State != "running" {
			t.Errorf("instance %s: version %d, %s; want running on version 2", i.ID, i.TemplateVersion, i.State)
		}
	}
	checkEachOldInstanceReplacedOnce(t, c)
}

func countVersion(insts []instanceJSON, v int) int {
	n := 0
	for _, i := range insts {
		if i.TemplateVersion == v {
			n++
		}
	}
	return n
}

// killDaemonMidRefresh waits until the refresh is under way (an instance of
// v2 exists), then SIGKILLs the daemon and waits until it is gone.
func killDaemonMidRefresh(t *testing.T, c *cli) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var insts []instanceJSON
		c.jsonOut(&insts, "instances", "ls", "-o", "json")
		if countVersion(insts, 2) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refresh never launched a v2 instance: %+v", insts)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var rs []refreshJSON
	c.jsonOut(&rs, "groups", "refreshes", "web", "-o", "json")
	if len(rs) != 1 || rs[0].Status != "InProgress" {
		t.Fatalf("refreshes before the kill: %+v, want one InProgress", rs)
	}
	var status struct {
		PID int `json:"pid"`
	}
	c.jsonOut(&status, "status", "-o", "json")
	if err := syscall.Kill(status.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, status.PID)
	t.Logf("killed the daemon at %d%% of refresh %s", rs[0].PercentComplete, rs[0].ID)
}

// checkEachOldInstanceReplacedOnce asserts that, beyond the launches the
// kill cut short (terminated and launched again), every old instance was
// replaced exactly once.
func checkEachOldInstanceReplacedOnce(t *testing.T, c *cli) {
	t.Helper()
	var insts []instanceJSON
	c.jsonOut(&insts, "instances", "ls", "-o", "json")
	interrupted, v1 := 0, 0
	for _, i := range insts {
		if i.TemplateVersion == 2 && strings.Contains(i.StateReason, "launch was interrupted") {
			interrupted++
		}
		if i.TemplateVersion == 1 {
			v1++
			if i.State != "terminated" {
				t.Errorf("old instance %s is %s, want terminated", i.ID, i.State)
			}
		}
	}
	if v1 != 4 {
		t.Errorf("%d instances of version 1, want the original 4", v1)
	}
	if n := countVersion(insts, 2) - interrupted; n != 4 {
		t.Errorf("%d instances of version 2 were launched (besides %d interrupted launches), want 4: an instance was replaced twice", n, interrupted)
		out, _, _ := c.run("instances", "ls", "-o", "yaml")
		t.Log(out)
		ev, _, _ := c.run("events")
		t.Log(ev)
	}
	live := 0
	for _, i := range insts {
		if i.State != "terminated" {
			live++
		}
	}
	if live != 4 {
		t.Errorf("%d live instances after the refresh, want 4", live)
	}
}
