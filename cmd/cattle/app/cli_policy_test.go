package app_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCLIGroupsPolicy(t *testing.T) {
	dir := startDaemon(t)
	mustCattle(t, dir, "groups", "create", "web", "--template", "web", "--min", "1", "--max", "4", "--desired", "2",
		"--lb", "web", "--health-check-type", "ELB", "--wait")

	if out := mustCattle(t, dir, "groups", "policy", "web"); !strings.Contains(out, "group web has no scaling policy") {
		t.Errorf("policy of a group without one:\n%s", out)
	}
	out := mustCattle(t, dir, "groups", "policy", "web", "--target-requests-per-target", "100", "--warmup", "0s")
	want := "group web tracks ALBRequestCountPerTarget at 100 requests per target per minute (warmup 0s); desired 2 (min 1, max 4)"
	if !strings.Contains(out, want) {
		t.Errorf("policy said:\n%s\nwant %q", out, want)
	}
	if out := mustCattle(t, dir, "groups", "inspect", "web"); !strings.Contains(out, "policy: tracks ALBRequestCountPerTarget at 100") {
		t.Errorf("inspect shows no policy:\n%s", out)
	}
	var g struct {
		Policy struct {
			Type           string  `json:"type"`
			Metric         string  `json:"metric"`
			TargetValue    float64 `json:"target_value"`
			InstanceWarmup string  `json:"instance_warmup"`
		} `json:"policy"`
	}
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "groups", "inspect", "web", "-o", "json")), &g); err != nil {
		t.Fatal(err)
	}
	if g.Policy.Type != "TargetTrackingScaling" || g.Policy.Metric != "ALBRequestCountPerTarget" || g.Policy.TargetValue != 100 || g.Policy.InstanceWarmup != "0s" {
		t.Errorf("inspect -o json policy: %+v", g.Policy)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--target-requests-per-target", "100", "--target-cpu", "50"}, "not both"},
		{[]string{"--warmup", "1s"}, "needs a target"},
		{[]string{"--delete", "--target-cpu", "50"}, "--delete takes no other flag"},
		{[]string{"--target-cpu", "150"}, "out of range"},
		{[]string{"--target-cpu", "50", "--type", "StepScaling"}, "not modelled"},
	} {
		code, _, errOut := cattle(t, dir, append([]string{"groups", "policy", "web"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("groups policy web %s: exit %d, %s (want 2 and %q)", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
	if code, out, _ := cattle(t, dir, "groups", "policy", "--help"); code != 0 || !strings.Contains(out, "PER MINUTE") {
		t.Errorf("help should state the unit (exit %d):\n%s", code, out)
	}

	if out := mustCattle(t, dir, "groups", "policy", "web", "--delete"); !strings.Contains(out, "scaling policy removed, desired capacity stays") {
		t.Errorf("delete said:\n%s", out)
	}
	if code, _, errOut := cattle(t, dir, "groups", "policy", "web", "--delete"); code != 1 || !strings.Contains(errOut, "has no scaling policy") {
		t.Errorf("deleting twice: exit %d, %s", code, errOut)
	}
}
