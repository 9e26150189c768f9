package scenarios_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/scenarios"
	_ "github.com/cattle-dev/cattle/scenarios/steps"
)

const goodScenario = `name: good
description: every kind of step the build has
timeout: 3m
setup:
  load_balancers:
    - {name: web, health_check: {path: /healthz, interval: 1s}}
  templates:
    - name: web
      port: 8080
      env: {DEMO_VERSION: v1}
      versions:
        - {env: {DEMO_VERSION: v2}}
steps:
  - name: launch
    run_instances: {template: "web:1", count: 3, as: web}
  - expect: {instances: ">= 3", template: web, per_zone: 1, within: 30s}
  - expect: {instance: $web.0, state: running}
  - register_targets: {load_balancer: web, instances: $web}
  - expect: {load_balancer: web, healthy: 3, within: 20s}
  - name: traffic
    load: {name: t, target: web, rate: 200/s, duration: 1m}
  - wait: 2s
  - fault: {instances: "template:web", latency: 200ms, error_rate: 1%}
  - fault: {instance: $web.1, clear: true}
  - remove_instance: {instance: any, as: victim}
  - terminate: {instance: $web.2, wait: false}
  - template_version: {template: web, env: {DEMO_VERSION: v3}, default: true}
  - weights: {load_balancer: web, forwards: {web: 1}}
  - deregister_targets: {load_balancer: web, instances: $web.0}
  - exec: echo hello
  - exec: {command: [true], timeout: 5s, exit_code: 0}
  - stop_load: t
  - expect: {load: t, errors: 0, since: launch, until: 17}
  - expect: {load: t, error_rate: 0.5%, during: traffic}
  - expect: {load: t, latency: {p99: 300ms, p50: ">= 1ms", max: 2s}}
  - expect: {load: t, versions: [v1, v2]}
  - expect: {load: t, shares: {v1: 50, v2: 50%}, tolerance: 10}
  - expect: {event: instance.state, about: $victim, fields: {state: terminated}, within: 10s}
`

func TestParseGood(t *testing.T) {
	sc, err := scenarios.Parse("good.yaml", []byte(goodScenario))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "good" || sc.Timeout != 3*time.Minute || len(sc.Steps) != 23 {
		t.Fatalf("name %q timeout %s steps %d", sc.Name, sc.Timeout, len(sc.Steps))
	}
	// Templates come before load balancers whatever the file's order.
	if len(sc.Setup) != 2 || sc.Setup[0].Kind.Key != "template" || sc.Setup[1].Kind.Key != "load_balancer" {
		t.Fatalf("setup order: %v, %v", sc.Setup[0].Kind.Key, sc.Setup[1].Kind.Key)
	}
	if sc.Setup[0].Label() != "setup 1" || sc.Steps[0].Label() != "step 1" || sc.Steps[0].Title() != "launch" {
		t.Errorf("labels %q %q title %q", sc.Setup[0].Label(), sc.Steps[0].Label(), sc.Steps[0].Title())
	}
	if got := sc.Steps[1]; got.Kind.Key != "instance_count" || got.Within != 30*time.Second {
		t.Errorf("step 2 is %s within %s", got.Kind.Key, got.Within)
	}
	if got := sc.Steps[6]; got.Kind.Key != "wait" || got.Source != "wait 2s" {
		t.Errorf("step 7 is %s %q", got.Kind.Key, got.Source)
	}
	wantKinds := map[int]string{18: "load_errors", 19: "load_errors", 20: "load_latency", 21: "load_versions", 22: "load_shares", 23: "event_seen"}
	for n, kind := range wantKinds {
		if got := sc.Steps[n-1].Kind.Key; got != kind {
			t.Errorf("step %d is %s, want %s", n, got, kind)
		}
	}
	if p := sc.Steps[1].Pos; p.Line != 16 || p.Column != 5 {
		t.Errorf("step 2 at %s, want line 16 column 5", p)
	}
}

func TestBuiltinsParse(t *testing.T) {
	builtins := scenarios.Builtins()
	if len(builtins) < 9 {
		t.Fatalf("%d built-in scenarios", len(builtins))
	}
	for _, b := range builtins {
		t.Run(b.Name, func(t *testing.T) {
			sc, err := scenarios.Load(b.Name)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Name != b.Name {
				t.Errorf("name %q in file %s", sc.Name, b.Name)
			}
			if b.Description == "" || strings.Contains(b.Description, "\n") {
				t.Errorf("description %q: want one line", b.Description)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	head := "name: t\nsteps:\n"
	for _, tc := range []struct{ src, want string }{
		{head + "  - expect: {group: web, helthy: 3}\n", `t.yaml:3:26: unknown key "helthy" in expect (did you mean "healthy"?)`},
		{head + "  - expect: {load: x, erors: 0}\n", `t.yaml:3:23: unknown key "erors" in expect (did you mean "errors"?)`},
		{head + "  - remove_instance: {instanse: any}\n", `t.yaml:3:23: unknown key "instanse" in remove_instance (did you mean "instance"?)`},
		{head + "  - remove_instanse: {instance: any}\n", `t.yaml:3:5: unknown step "remove_instanse" (did you mean "remove_instance"?)`},
		{head + "  - wait: 5 s\n", `t.yaml:3:11: duration in wait: "5 s" is not a duration`},
		{head + "  - wait: 30\n", `t.yaml:3:11: duration in wait: 30 has no unit: write it like 30s or 30ms`},
		{head + "  - expect: {instances: 1, within: soon}\n", `t.yaml:3:36: within in expect: "soon" is not a duration`},
		{head + "  - load: {name: l, url: \"http://127.0.0.1:1/\", rate: 200}\n", `t.yaml:3:55: rate in load: "200" is not a rate: write it like 200/s`},
		{head + "  - load: {name: l, url: \"http://127.0.0.1:1/\", rate: 0/s}\n", `rate in load: "0/s" is not a rate`},
		{head + "  - load: {name: l, url: \"http://127.0.0.1:1/\", rate: 99999/s}\n", `rate in load: 99999/s is more than 5000/s`},
		{head + "  - load: {name: l, url: \"http://10.0.0.1:80/\"}\n", `t.yaml:3:26: load: load target "http://10.0.0.1:80/" is not on 127.0.0.1`},
		{head + "  - load: {name: l}\n", `t.yaml:3:11: load: load goes to one place`},
		{"name: t\nstepz: []\n", `t.yaml:2:1: unknown key "stepz" in the scenario (did you mean "steps"?)`},
		{"name: t\n", `t.yaml:1:1: the scenario needs steps`},
		{head + "  - wait: 1s\n    stop_load: x\n", `t.yaml:4:5: a step does one thing: "wait" and "stop_load" are two steps`},
		{head + "  - expect: {instance: $victim, state: running}\n", `t.yaml:3:24: instance in expect: $victim is not saved by an earlier step`},
		{head + "  - expect: {load: x, errors: 0, since: later}\n  - name: later\n    wait: 1s\n", `t.yaml:3:41: since in expect: no earlier step is named "later"`},
		{head + "  - expect: {load: x, errors: 0, since: 2}\n  - wait: 1s\n", `since in expect: step 2 is not an earlier step`},
		{head + "  - expect: {load: x, errors: 0, versions: [v1]}\n", `t.yaml:3:13: expect checks one thing at a time: "errors" and "versions"`},
		{head + "  - bake: {name: web, from: builtin/demo, provisoners: []}\n", `t.yaml:3:43: unknown key "provisoners" in bake (did you mean "provisioners"?)`},
		{head + "  - bake: {file: web.bake.yaml, name: web}\n", `t.yaml:3:18: bake: give a bake file or the bake's keys inline, not both`},
		{head + "  - bake: {name: web, from: builtin/demo, timeout: soon}\n", `t.yaml:3:52: timeout in bake: "soon" is not a duration`},
		{head + "  - bake: {name: web, from: builtin/demo, changes: {expose: [0]}}\n", `t.yaml:3:52: bake: changes.expose[0]: port 0 is not between 1 and 65535`},
		{head + "  - expect: {image: web:v2}\n", `t.yaml:3:14: expect image needs one of digest, exists, same_as, state`},
		{head + "  - expect: {grup: web, healthy: 3}\n", `t.yaml:3:14: expect starts with what it checks`},
		{head + "  - expect: {load: x}\n", `t.yaml:3:14: expect load needs one of error_rate, errors, latency, shares, versions`},
		{head + "  - run_instances: {count: 2}\n", `t.yaml:3:20: run_instances needs the key "template"`},
		{head + "  - run_instances: {template: web, count: two}\n", `t.yaml:3:43: count in run_instances needs a whole number, not "two"`},
		{head + "  - run_instances: {template: web, count: 99}\n", `t.yaml:3:43: run_instances: count 99 is out of range`},
		{head + "  - run_instances: {template: \"web:x\"}\n", `version "x" of template web is not a number`},
		{head + "  - expect: {instances: 3, template: \"web:$Latest\"}\n", `t.yaml:3:38: expect: instances are counted by version number: write web:2, not web:$Latest`},
		{head + "  - fault: {instance: any}\n", `fault: name a fault`},
		{head + "  - expect: {instance: nobody, state: running}\n", `"nobody" does not pick instances`},
		{head + "  - wait: [1s\n", `t.yaml:3:11:`},
		{"a: b\na: c\n", `t.yaml:2:1: mapping key "a" already defined at [1:1]`},
		{head + "  - wait: &a 1s\n", `t.yaml:3:11: anchors and aliases are not supported`},
		{"", `t.yaml: is empty`},
		{"# only a comment\n", `t.yaml: is empty`},
		{"- a\n- b\n", `t.yaml:1:1: the scenario needs a mapping`},
		{head + "  - name: a\n    wait: 1s\n  - name: a\n    wait: 1s\n", `t.yaml:5:5: two steps are named "a"`},
		{"name: t\nsetup:\n  templatez: []\nsteps: [wait: 1s]\n", `t.yaml:3:3: unknown key "templatez" in setup (did you mean "templates"?)`},
		{"name: t\nsetup:\n  templates:\n    - {name: web, port: 99999}\nsteps: [wait: 1s]\n", `t.yaml:4:25: setup.template: port 99999 is out of range`},
		{"name: t\nsetup:\n  templates:\n    - {name: web, health: {pth: /x}}\nsteps: [wait: 1s]\n", `t.yaml:4:28: unknown key "pth" in setup.template.health (did you mean "path"?)`},
		{"name: t\ntimeout: 0s\nsteps: [wait: 1s]\n", `t.yaml:2:10: timeout must be more than 0`},
		{head + "  - weights: {load_balancer: web, forwards: {a: 1000}}\n", `weight 1000 for a is out of range`},
		{head + "  - expect: {load: x, latency: {p99x: 1s}}\n", `"p99x" is not a percentile`},
		{head + "  - exec: \"\"\n", `command in exec is empty`},
	} {
		_, err := scenarios.Parse("t.yaml", []byte(tc.src))
		if err == nil {
			t.Errorf("no error for:\n%s", tc.src)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error for:\n%s\ngot:  %s\nwant: %s", tc.src, err, tc.want)
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "t.yaml") {
				t.Errorf("a problem does not start with the file: %q", line)
			}
		}
		if !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("error %q is not errdefs.ErrInvalid (the CLI would not exit 2)", err)
		}
	}
}

func TestLoadNamesFilesAndBuiltins(t *testing.T) {
	if _, err := scenarios.Load("tuor"); err == nil || !strings.Contains(err.Error(), `did you mean "tour"?`) {
		t.Errorf("misspelt built-in: %v", err)
	}
	if _, err := scenarios.Load("./missing.yaml"); err == nil || !strings.Contains(err.Error(), "missing.yaml: no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// countProbe is a step registered by this test, as a new step file would
// register itself, to see what the parser gives it.
type countProbe struct {
	Count scenarios.CountRange `yaml:"count,required"`
	Rate  scenarios.Rate       `yaml:"rate"`
	Share scenarios.Fraction   `yaml:"share"`
}

func (c *countProbe) Execute(context.Context, *scenarios.Run) error { return nil }

func init() { scenarios.RegisterAction[countProbe]("test_count_probe") }

func TestValueTypes(t *testing.T) {
	for src, want := range map[string][2]int{`3`: {3, 3}, `">= 2"`: {2, 1 << 20}, `"<= 4"`: {0, 4}, `"1..5"`: {1, 5}, `"> 2"`: {3, 1 << 20}} {
		sc, err := scenarios.Parse("c.yaml", []byte("steps:\n  - test_count_probe: {count: "+src+", rate: 30/m, share: 2.5%}\n"))
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		p := sc.Steps[0].Exec.(*countProbe)
		if p.Count.Min != want[0] || p.Count.Max != want[1] {
			t.Errorf("count %s: got %d..%d", src, p.Count.Min, p.Count.Max)
		}
		if p.Rate.PerSecond() != 0.5 || p.Rate.String() != "30/m" || p.Share != 0.025 {
			t.Errorf("rate %s (%v/s), share %v", p.Rate, p.Rate.PerSecond(), p.Share)
		}
	}
	for _, bad := range []string{`-1`, `"5..2"`, `"lots"`, `[1]`} {
		if _, err := scenarios.Parse("c.yaml", []byte("steps:\n  - test_count_probe: {count: "+bad+"}\n")); err == nil {
			t.Errorf("count %s accepted", bad)
		}
	}
	r, err := scenarios.ParseRate("5/100ms")
	if err != nil || r.PerSecond() != 50 {
		t.Errorf("5/100ms: %v %v", err, r.PerSecond())
	}
}

// Every step's documented example parses, so `scenario steps` never shows
// one that would be refused.
func TestStepExamplesParse(t *testing.T) {
	preamble := `steps:
  - run_instances: {template: web, as: web}
  - remove_instance: {instance: any, as: victim}
  - name: refresh
    wait: 1s
  - name: canary
    wait: 1s
`
	for _, k := range scenarios.Kinds() {
		if k.Example == "" {
			if !strings.HasPrefix(k.Key, "test_") {
				t.Errorf("step %s has no example", k.Key)
			}
			continue
		}
		src := preamble + "  - " + k.Example + "\n"
		sc, err := scenarios.Parse("example.yaml", []byte(src))
		if err != nil {
			t.Errorf("example of %s: %v", k.Key, err)
			continue
		}
		if got := sc.Steps[len(sc.Steps)-1].Kind.Key; got != k.Key {
			t.Errorf("example of %s parses as %s", k.Key, got)
		}
	}
}
