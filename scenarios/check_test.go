package scenarios_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/scenarios"
)

// The files a new author writes wrong, as the issue found them: check
// must refuse each, naming every problem at once, in file order.
const brokenScenario = `name: broken
setup:
  templates:
    - {name: web, port: 8080}
  load_balancers:
    - {name: web}
  groups:
    - {name: web, template: web, min: 2, max: 4, desired: 3, load_balancer: web, max_healthy: 150}
steps:
  - expect: {group: web, healthy: 3, within: two}
  - scale: {group: web, desird: 4}
  - refresh: {group: web, min_healthy: 40, wait: true}
  - expect: {group: api, healthy: 3}
  - expect: {load: traffic, errors: 0}
  - load: {name: late, target: wbe}
  - expect: {group: web, healthy: 5}
  - stop_load: late2
`

func TestCheckListsEveryProblemInFileOrder(t *testing.T) {
	_, err := scenarios.ParseChecked("b.yaml", []byte(brokenScenario))
	if err == nil {
		t.Fatal("a broken file passed the check")
	}
	if !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("%v is not ErrInvalid: the CLI would not exit 2", err)
	}
	want := []string{
		`b.yaml:10:46: within in expect: "two" is not a duration`,
		`b.yaml:11:25: unknown key "desird" in scale (did you mean "desired"?)`,
		`b.yaml:12:40: refresh: max healthy 150% and min healthy 40% are more than 100 apart: narrow the range (max healthy 150% is group web's)`,
		`b.yaml:13:21: no group "api" is made by an earlier step: list it under setup.groups`,
		`b.yaml:14:20: no load "traffic" is made by an earlier step`,
		`b.yaml:15:32: no load balancer "wbe" is made by an earlier step (did you mean "web"?)`,
		`b.yaml:16:35: expect: group web has at most 4 instances (its max), so healthy 5 can never hold`,
		`b.yaml:17:16: no load "late2" is made by an earlier step (did you mean "late"?)`,
	}
	got := scenarios.Problems(err)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\ngot:  %s\nwant: %s...", i+1, got[i], want[i])
		}
	}
}

func TestCheckSaysWhenANameIsMadeOnlyLater(t *testing.T) {
	src := "name: t\nsteps:\n  - expect: {load: t, errors: 0}\n  - load: {name: t, url: \"http://127.0.0.1:1/\"}\n"
	_, err := scenarios.ParseChecked("t.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), `t.yaml:3:20: load "t" is made only later, by step 2 (t.yaml:4:5)`) {
		t.Errorf("got %v", err)
	}
	// Parse alone leaves names to Check: a fragment of a file still parses.
	if _, err := scenarios.Parse("t.yaml", []byte(src)); err != nil {
		t.Errorf("Parse: %v", err)
	}
}

func TestCheckLimitsTheList(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: many\nsteps:\n")
	for range scenarios.MaxErrors + 5 {
		b.WriteString("  - wait: soon\n")
	}
	_, err := scenarios.ParseChecked("m.yaml", []byte(b.String()))
	got := scenarios.Problems(err)
	if len(got) != scenarios.MaxErrors+1 || !strings.Contains(got[len(got)-1], "and 5 more problems") {
		t.Errorf("%d lines, the last %q", len(got), got[len(got)-1])
	}
}

func TestBuiltinsAndCookbookPassTheCheck(t *testing.T) {
	all := append(scenarios.Builtins(), scenarios.Cookbook()...)
	for _, b := range all {
		if _, err := scenarios.LoadChecked(b.Name); err != nil {
			t.Errorf("%s: %v", b.Name, err)
		}
	}
}

// Values are refused by the API's own validators, at check time.
func TestCheckUsesTheAPIValidators(t *testing.T) {
	head := "name: t\nsetup:\n  load_balancers: [{name: web}]\n  templates: [{name: web}]\n" +
		"  groups: [{name: web, template: web, max: 2, max_healthy: 150}]\nsteps:\n"
	for step, want := range map[string]string{
		"weights: {load_balancer: web, forwards: {web: 0}}":    "every weight is 0",
		"refresh: {group: web, checkpoints: [60, 50]}":         "checkpoints [60 50] must be unique and ascending",
		"refresh: {group: web, checkpoint_delay: 1m}":          "a checkpoint delay needs checkpoints",
		"refresh: {group: web, min_healthy: 40}":               "max healthy 150% and min healthy 40% are more than 100 apart",
		"refresh: {group: web, template_version: 2}":           "template web has 1 version(s) by this step, not 2",
		"group: {name: api, template: \"web:3\", max: 1}":      "template web has 1 version(s) by this step, not 3",
		"scale: {group: web, desired: 3}":                      "desired capacity 3 is outside min 0 and max 2",
		"expect: {group: web, in_service: {min: 3}, since: 1}": "group web has at most 2 instances",
	} {
		src := head + "  - wait: 1s\n  - " + step + "\n"
		_, err := scenarios.ParseChecked("t.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", step, err, want)
		}
	}
	ok := head + "  - refresh: {group: web, min_healthy: 100}\n" +
		"  - template_version: {template: web, env: {V: v2}}\n  - refresh: {group: web, template_version: 2}\n"
	if _, err := scenarios.ParseChecked("t.yaml", []byte(ok)); err != nil {
		t.Errorf("a surge refresh on a group with max_healthy 150: %v", err)
	}
}

// Health check ranges depend on the timing profile: check reads the
// scenario's own, as the API would on a sandbox of that profile.
func TestCheckRefusesHealthChecksOutOfTheProfilesRanges(t *testing.T) {
	lb := "load_balancer: {name: web, health_check: {interval: 20s, timeout: 5s}}"
	src := "name: t\nsteps:\n  - " + lb + "\n"
	_, err := scenarios.ParseChecked("t.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:3:") || !strings.Contains(err.Error(), "health check interval 20s is out of range") {
		t.Errorf("interval 20s on fast: got %v, want the range error at line 3", err)
	}
	if _, err := scenarios.ParseChecked("t.yaml", []byte("timing: aws\n"+src)); err != nil {
		t.Errorf("interval 20s on aws: %v", err)
	}
	slow := "name: t\nsteps:\n  - load_balancer: {name: web, slow_start: 10s}\n"
	if _, err := scenarios.ParseChecked("t.yaml", []byte("timing: aws\n"+slow)); err == nil || !strings.Contains(err.Error(), "slow start 10s is out of range") {
		t.Errorf("slow start 10s on aws: got %v", err)
	}
}
