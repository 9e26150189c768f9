package app_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCLIDriftScanInjectAndBadInput(t *testing.T) {
	dir := startDaemon(t)
	mustCattle(t, dir, "groups", "create", "web", "--template", "web", "--min", "2", "--max", "4", "--drift", "report", "--wait")
	if out := mustCattle(t, dir, "drift", "scan"); !strings.Contains(out, "2 instance(s): 2 in sync") {
		t.Fatalf("scan of an untouched group:\n%s", out)
	}
	var insts []map[string]any
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "instances", "ls", "-o", "json")), &insts); err != nil {
		t.Fatal(err)
	}
	id := insts[0]["id"].(string)

	for _, bad := range [][]string{
		{"drift", "inject", id, "--kind", "melt"},
		{"drift", "inject", "--kind", "kill"},
		{"drift", "inject", "i-0123456789abcdef0", "--kind", "kill"},
		{"drift", "inject", "--group", "nope", "--kind", "kill"},
		{"drift", "inject", id, "--kind", "file"},
		{"drift", "inject", id, "--kind", "exec"},
		{"drift", "restore"},
		{"groups", "update", "web", "--drift", "repair"},
	} {
		if code, _, errOut := cattle(t, dir, bad...); code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, want 2 with one line; said %q", bad, code, errOut)
		}
	}
	if code, out, _ := cattle(t, dir, "drift", "scan"); code != 0 {
		t.Fatalf("bad input changed something: exit %d\n%s", code, out)
	}

	out := mustCattle(t, dir, "drift", "inject", id, "--kind", "file", "--path", "/etc/hotfix.conf", "--content", "x")
	if !strings.Contains(out, "wrote 1 bytes to /etc/hotfix.conf") {
		t.Errorf("inject said:\n%s", out)
	}
	code, out, _ := cattle(t, dir, "drift", "scan", "--group", "web", "-o", "json")
	if code != 1 {
		t.Fatalf("scan with drift: exit %d, want 1\n%s", code, out)
	}
	var rep struct {
		Summary   map[string]int `json:"summary"`
		Instances []struct {
			ID, Status, Kind, Remediation string
			Differences                   []map[string]string
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary["total"] != 2 || rep.Summary["in_sync"] != 1 || rep.Summary["drifted"] != 1 || rep.Summary["missing"] != 0 || rep.Summary["unmanaged"] != 0 {
		t.Errorf("summary %v", rep.Summary)
	}
	for _, i := range rep.Instances {
		if i.Status != "MODIFIED" {
			continue
		}
		if i.ID != id || i.Kind != "filesystem" || len(i.Differences) != 1 || i.Differences[0]["path"] != "/etc/hotfix.conf" ||
			i.Differences[0]["change"] != "add" || !strings.HasPrefix(i.Remediation, "report only") {
			t.Errorf("drifted instance %+v", i)
		}
	}
	if out := mustCattle(t, dir, "events"); !strings.Contains(out, "drift.injected") || !strings.Contains(out, "drift.detected") {
		t.Errorf("events lack the injection or the detection:\n%s", out)
	}
}
