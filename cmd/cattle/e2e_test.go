package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
)

// cli runs the built cattle binary for one sandbox, as a user would.
type cli struct {
	t        *testing.T
	bin      string
	sandbox  string
	stateDir string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	testutil.SkipIfShort(t)
	name := fmt.Sprintf("e2e-%d", time.Now().UnixNano()%1_000_000_000)
	// A short state dir: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "cattle-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, bin: testutil.CattleBinary(t), sandbox: name, stateDir: dir}
	t.Cleanup(func() {
		// Whatever happened, leave nothing of the sandbox behind.
		_, _, _ = c.run("down", "--purge")
		os.RemoveAll(dir)
	})
	return c
}

func (c *cli) run(args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), "CATTLE_SANDBOX="+c.sandbox, "CATTLE_STATE_DIR="+c.stateDir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("running cattle %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// ok runs a command that must succeed and returns its output.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("cattle %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (c *cli) jsonOut(v any, args ...string) {
	c.t.Helper()
	out := c.ok(args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("cattle %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

type instanceJSON struct {
	ID              string `json:"id"`
	State           string `json:"state"`
	StateReason     string `json:"state_reason"`
	Template        string `json:"template"`
	TemplateVersion int    `json:"template_version"`
	Image           string `json:"image"`
	Zone            string `json:"zone"`
	Address         string `json:"address"`
}

func running(insts []instanceJSON) map[string]instanceJSON {
	out := map[string]instanceJSON{}
	for _, i := range insts {
		if i.State == "running" {
			out[i.ID] = i
		}
	}
	return out
}

// getDemo fetches / from a demo app, retrying while it starts.
func getDemo(t *testing.T, addr string) map[string]string {
	t.Helper()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("address %q is not on loopback", addr)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var out map[string]string
			if resp.StatusCode == 200 && json.Unmarshal(body, &out) == nil {
				return out
			}
			err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo app at %s does not answer: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestIntegrationFoundationAsAUserWould(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()

	c.ok("up")
	c.ok("templates", "create", "web", "--image", "builtin/demo", "--port", "8080", "--env", "DEMO_VERSION=v1")
	c.ok("instances", "run", "--template", "web", "--count", "3")

	var insts []instanceJSON
	c.jsonOut(&insts, "instances", "ls", "-o", "json")
	live := running(insts)
	if len(live) != 3 {
		t.Fatalf("want 3 running instances, got %+v", insts)
	}
	for id, i := range live {
		got := getDemo(t, i.Address)
		if got["instance_id"] != id || got["version"] != "v1" {
			t.Errorf("instance %s at %s answered %v", id, i.Address, got)
		}
		if i.Template != "web" || i.TemplateVersion != 1 || i.Image != "builtin/demo" || i.Zone == "" {
			t.Errorf("instance fields: %+v", i)
		}
	}
	containers, err := rt.List(ctx, map[string]string{sandbox.LabelSandbox: c.sandbox})
	if err != nil {
		t.Fatal(err)
	}
	if len(containers) != 3 {
		t.Fatalf("the engine has %d containers with the sandbox label, want 3", len(containers))
	}
	for _, ct := range containers {
		if _, ok := live[ct.Labels[sandbox.LabelInstance]]; !ok {
			t.Errorf("container %s belongs to no listed instance", ct.Name)
		}
	}

	// A container not made by cattle, from the same image, must survive down.
	var status struct {
		PID           int    `json:"pid"`
		API           string `json:"api"`
		StateDir      string `json:"state_dir"`
		EngineVersion string `json:"engine_version"`
	}
	c.jsonOut(&status, "status", "-o", "json")
	if status.PID == 0 || !strings.HasPrefix(status.API, "127.0.0.1:") || status.StateDir != c.stateDir || status.EngineVersion == "" {
		t.Fatalf("status -o json: %+v", status)
	}

	// A second daemon for the same sandbox is refused at once.
	_, errOut, code := c.run("up", "--foreground")
	if code == 0 || !strings.Contains(errOut, fmt.Sprintf("sandbox %s is already running (pid %d)", c.sandbox, status.PID)) {
		t.Fatalf("second daemon: exit %d, %q", code, errOut)
	}

	insts = restartAdoptsInstances(t, c, rt, status.PID, live)

	foreign := startForeignContainer(t, rt, insts)
	c.ok("down", "--purge")
	if left, _ := rt.List(ctx, map[string]string{sandbox.LabelSandbox: c.sandbox}); len(left) != 0 {
		t.Fatalf("down --purge left %d labelled containers", len(left))
	}
	if st, err := rt.Inspect(ctx, foreign); err != nil || st.State != sandbox.StateRunning {
		t.Fatalf("down --purge touched a container cattle did not make: %v %v", st.State, err)
	}
	if _, err := os.Stat(filepath.Join(c.stateDir, "state.db")); !os.IsNotExist(err) {
		t.Fatalf("down --purge left the state file: %v", err)
	}
}

// restartAdoptsInstances SIGKILLs the daemon at pid and starts another: the
// instances keep running and the new daemon adopts exactly them. It returns
// the instances listed after the restart.
func restartAdoptsInstances(t *testing.T, c *cli, rt sandbox.Runtime, pid int, live map[string]instanceJSON) []instanceJSON {
	t.Helper()
	ctx := context.Background()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	c.ok("up")
	var insts []instanceJSON
	c.jsonOut(&insts, "instances", "ls", "-o", "json")
	after := running(insts)
	if len(after) != 3 || len(insts) != 3 {
		t.Fatalf("after the restart: %+v, want the same 3 running", insts)
	}
	for id := range live {
		if _, ok := after[id]; !ok {
			t.Errorf("instance %s was lost in the restart", id)
		}
	}
	if containers, _ := rt.List(ctx, map[string]string{sandbox.LabelSandbox: c.sandbox}); len(containers) != 3 {
		t.Fatalf("after the restart the engine has %d labelled containers, want 3", len(containers))
	}
	return insts
}

// startForeignContainer runs a container by hand from the image of an
// instance (as a user with docker run would), without cattle's labels.
func startForeignContainer(t *testing.T, rt sandbox.Runtime, insts []instanceJSON) string {
	t.Helper()
	ctx := context.Background()
	cs, err := rt.List(ctx, map[string]string{sandbox.LabelInstance: insts[0].ID})
	if err != nil || len(cs) != 1 {
		t.Fatalf("finding the container of %s: %v %d", insts[0].ID, err, len(cs))
	}
	net := "cattle-foreign-" + fmt.Sprint(time.Now().UnixNano()%1e6)
	if err := rt.EnsureNetwork(ctx, net, map[string]string{"dev.cattle.test": net}); err != nil {
		t.Fatal(err)
	}
	id, err := rt.Create(ctx, sandbox.ContainerSpec{Image: cs[0].ImageID, Network: net, Labels: map[string]string{"dev.cattle.test": net}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rt.Remove(context.Background(), id, true)
		_ = rt.RemoveNetworks(context.Background(), map[string]string{"dev.cattle.test": net})
	})
	if err := rt.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("process %d is still there", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIntegrationBadInput(t *testing.T) {
	c := newCLI(t)
	// Before the daemon runs: a clear error, exit 1.
	_, errOut, code := c.run("instances", "ls")
	if code != 1 || !strings.Contains(errOut, "is not running") || !strings.Contains(errOut, "cattle up") {
		t.Fatalf("instances ls with no daemon: exit %d %q", code, errOut)
	}
	c.ok("up")
	c.ok("templates", "create", "web", "--image", "builtin/demo", "--port", "8080")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"templates", "create", "api", "--image", "nope/missing:1"}, 1, `image "nope/missing:1" not found`},
		{[]string{"templates", "create", "api", "--image", "builtin/demo", "--type", "m5.huge"}, 2, "unknown instance type"},
		{[]string{"templates", "create", "api", "--image", "builtin/demo", "--port", "70000"}, 2, "out of range"},
		{[]string{"templates", "create", "web", "--image", "builtin/demo"}, 1, "already exists"},
		{[]string{"instances", "run", "--template", "nope"}, 1, `template "nope" does not exist`},
		{[]string{"instances", "run", "--template", "web:9"}, 1, "has no version 9"},
		{[]string{"instances", "terminate", "i-00000000000000000"}, 1, "does not exist"},
		{[]string{"templates", "rm", "nope"}, 1, `template "nope" does not exist: list templates with 'cattle templates ls'`},
		{[]string{"templates", "rm"}, 2, "templates rm takes one NAME"},
		{[]string{"instances", "ls", "-o", "xml"}, 2, "unknown output format"},
		{[]string{"instances", "frobnicate"}, 2, "unknown command"},
	}
	for _, tc := range cases {
		_, errOut, code := c.run(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("cattle %s: exit %d, stderr %q; want exit %d and one line with %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
		}
	}
	var ts []map[string]any
	c.jsonOut(&ts, "templates", "ls", "-o", "json")
	if len(ts) != 1 {
		t.Fatalf("bad input changed state: %d templates", len(ts))
	}
	var insts []instanceJSON
	c.jsonOut(&insts, "instances", "ls", "-o", "json")
	if len(insts) != 0 {
		t.Fatalf("bad input launched instances: %+v", insts)
	}
	if out := c.ok("templates", "rm", "web"); !strings.Contains(out, "template web removed") {
		t.Fatalf("templates rm web said %q", out)
	}
	c.jsonOut(&ts, "templates", "ls", "-o", "json")
	if len(ts) != 0 {
		t.Fatalf("templates rm left %d templates", len(ts))
	}
}

func TestIntegrationNoEngine(t *testing.T) {
	c := newCLI(t)
	cmd := exec.Command(c.bin, "up")
	cmd.Env = append(os.Environ(), "CATTLE_SANDBOX="+c.sandbox, "CATTLE_STATE_DIR="+c.stateDir, "DOCKER_HOST=unix:///nonexistent/docker.sock")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("up with no engine: %v, want exit 2", err)
	}
	msg := strings.TrimSpace(string(out))
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "unix:///nonexistent/docker.sock") || !strings.Contains(msg, "DOCKER_HOST") {
		t.Fatalf("up with no engine said %q: want one line naming the address and the fix", msg)
	}
}
