package app_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCLIGroupsRefreshAndRollback(t *testing.T) {
	dir := startDaemon(t)

	out := mustCattle(t, dir, "groups", "create", "web", "--template", "web", "--min", "1", "--max", "4", "--desired", "2",
		"--lb", "web", "--health-check-type", "ELB", "--wait")
	if !strings.Contains(out, "group web created: web:1") || !strings.Contains(out, "2 of 2 in service") {
		t.Errorf("create --wait said:\n%s", out)
	}

	var g map[string]any
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "groups", "inspect", "web", "-o", "json")), &g); err != nil {
		t.Fatal(err)
	}
	insts, _ := g["instances"].([]any)
	if g["name"] != "web" || g["min"] != 1.0 || g["max"] != 4.0 || g["desired"] != 2.0 || g["load_balancer"] != "web" || len(insts) != 2 {
		t.Fatalf("groups inspect -o json: %v", g)
	}
	if inst, _ := insts[0].(map[string]any); inst["state"] != "running" || !strings.HasPrefix(inst["id"].(string), "i-") {
		t.Fatalf("instances should be as in 'instances ls': %v", insts[0])
	}
	if out := mustCattle(t, dir, "groups", "ls"); !strings.Contains(out, "web:1") || !strings.Contains(out, "HEALTHY") {
		t.Errorf("groups ls:\n%s", out)
	}

	out = mustCattle(t, dir, "groups", "refresh", "web", "--template-version", "2", "--min-healthy", "50", "--wait")
	if !strings.Contains(out, "started on group web") || !strings.HasSuffix(out, "ended Successful\n") {
		t.Errorf("refresh --wait said:\n%s", out)
	}

	code, out, _ := cattle(t, dir, "groups", "refresh", "web", "--template-version", "3", "--min-healthy", "50", "--auto-rollback", "--wait")
	if code != 1 || !strings.Contains(out, "ended RollbackSuccessful: rolled back to web:2") {
		t.Errorf("a refresh that rolls back exits 1 (got %d):\n%s", code, out)
	}

	var rs []map[string]any
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "groups", "refreshes", "web", "-o", "json")), &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0]["status"] != "RollbackSuccessful" || rs[1]["status"] != "Successful" ||
		rs[1]["percent_complete"] != 100.0 || !strings.HasPrefix(rs[0]["id"].(string), "rf-") {
		t.Errorf("groups refreshes -o json: %v", rs)
	}

	code, _, errOut := cattle(t, dir, "groups", "rollback", "web")
	if code != 1 || !strings.Contains(errOut, "only a refresh in progress can be rolled back") {
		t.Errorf("rollback of a finished refresh: exit %d, %s", code, errOut)
	}
	code, _, errOut = cattle(t, dir, "groups", "cancel-refresh", "web")
	if code != 1 || !strings.Contains(errOut, "no instance refresh in progress") {
		t.Errorf("cancel with nothing in progress: exit %d, %s", code, errOut)
	}
	if code, _, errOut := cattle(t, dir, "groups", "create", "web"); code != 2 || !strings.Contains(errOut, "--template") {
		t.Errorf("bad usage: exit %d, %s", code, errOut)
	}
	if code, _, errOut := cattle(t, dir, "groups", "scale", "web", "--desired", "9"); code != 2 || !strings.Contains(errOut, "outside min 1 and max 4") {
		t.Errorf("scale above max: exit %d, %s", code, errOut)
	}
	mustCattle(t, dir, "groups", "scale", "web", "--desired", "3")
	if out := mustCattle(t, dir, "groups", "rm", "web"); !strings.Contains(out, "deleted") {
		t.Errorf("rm said %s", out)
	}
	if code, _, errOut := cattle(t, dir, "groups", "inspect", "web"); code != 1 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("inspect after rm: exit %d, %s", code, errOut)
	}
}

// A version made from a broken one can drop the key that broke it, and a
// refresh to it succeeds.
func TestCLITemplatesVersionUnsetEnv(t *testing.T) {
	dir := startDaemon(t)
	mustCattle(t, dir, "templates", "version", "web", "--env", "BROKEN=1")
	out := mustCattle(t, dir, "templates", "version", "web", "--unset-env", "BROKEN")
	if !strings.Contains(out, "template web version 5 created") {
		t.Fatalf("templates version --unset-env said:\n%s", out)
	}
	var v struct {
		Versions []struct {
			Version int               `json:"version"`
			Env     map[string]string `json:"env"`
		} `json:"versions"`
	}
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "templates", "inspect", "web", "-o", "json")), &v); err != nil {
		t.Fatal(err)
	}
	for _, ver := range v.Versions {
		_, broken := ver.Env["BROKEN"]
		if ver.Version == 5 && (broken || ver.Env["V"] != "3") {
			t.Fatalf("version 5 env %v: want V=3 copied and BROKEN dropped", ver.Env)
		}
	}
	mustCattle(t, dir, "groups", "create", "web", "--template", "web:1", "--min", "1", "--max", "2", "--desired", "1", "--lb", "web", "--wait")
	if out := mustCattle(t, dir, "groups", "refresh", "web", "--template-version", "5", "--wait"); !strings.HasSuffix(out, "ended Successful\n") {
		t.Errorf("refresh to the fixed version said:\n%s", out)
	}
	code, _, errOut := cattle(t, dir, "templates", "version", "web", "--unset-env", "NOPE")
	if code != 2 || !strings.Contains(errOut, "no environment variable NOPE") {
		t.Errorf("unset of a key the source lacks: exit %d, %s", code, errOut)
	}
}
