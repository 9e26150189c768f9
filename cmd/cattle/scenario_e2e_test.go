package main_test

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
)

func TestIntegrationScenarioCLI(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()

	// A misspelt key: exit 2, one line naming file, line and column.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: bad\nsteps:\n  - expect: {instances: 1, tempalte: web}\n"), 0o644)
	_, errOut, code := c.run("scenario", "run", bad)
	if code != 2 || !strings.Contains(errOut, bad+":3:") || !strings.Contains(errOut, `"tempalte"`) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("misspelt key: exit %d, %q; want exit 2 and one line with %s:3:", code, errOut, bad)
	}

	checkStepKeysListed(t, c)

	// --sandbox, before or after the command, even naming the default,
	// runs against that sandbox's daemon, with which --timing is refused
	// before anything is read. CATTLE_SANDBOX, which c.run sets, does not:
	// the run above found the bad file, the ones below start their own.
	for _, args := range [][]string{
		{"--sandbox", "default", "scenario", "run", bad, "--timing", "aws"},
		{"scenario", "run", bad, "--timing", "aws", "--sandbox", c.sandbox},
	} {
		_, errOut, code := c.run(args...)
		if code != 2 || !strings.Contains(errOut, "--timing sets the scenario's own sandbox") {
			t.Fatalf("cattle %s: exit %d, %q; want exit 2: --sandbox attaches, and a running sandbox keeps its timing", strings.Join(args, " "), code, errOut)
		}
	}
	if _, errOut, code := c.run("--sandbox", c.sandbox, "scenario", "run", "tour"); code != 2 || !strings.Contains(errOut, "sandbox "+c.sandbox+" is not running") {
		t.Fatalf("scenario run --sandbox with no daemon: exit %d, %q; want exit 2, not running", code, errOut)
	}

	checkFailingScenarioReports(t, c, dir)
}

// checkStepKeysListed asserts every step's keys are listed, the required
// ones marked, so that a user can write a step without reading the source.
func checkStepKeysListed(t *testing.T, c *cli) {
	t.Helper()
	var steps []struct {
		Step string `json:"step"`
		Keys []struct {
			Key      string `json:"key"`
			Required bool   `json:"required"`
		} `json:"keys"`
	}
	c.jsonOut(&steps, "scenario", "steps", "-o", "json")
	keysOf := map[string]string{}
	for _, s := range steps {
		var ks []string
		for _, k := range s.Keys {
			if k.Required {
				ks = append(ks, k.Key+"!")
			} else {
				ks = append(ks, k.Key)
			}
		}
		keysOf[s.Step] = strings.Join(ks, " ")
	}
	if got := keysOf["cancel_refresh"]; got != "group! wait timeout" {
		t.Errorf("scenario steps: cancel_refresh keys %q, want %q", got, "group! wait timeout")
	}
	if got := keysOf["load"]; !strings.Contains(got, "rate") || !strings.Contains(got, "duration") {
		t.Errorf("scenario steps: load keys %q, want rate and duration among them", got)
	}
}

// checkFailingScenarioReports runs a scenario whose expectation fails and
// asserts exit 1, the failing step and its evidence, a JUnit report that
// says so, and nothing left behind.
func checkFailingScenarioReports(t *testing.T, c *cli, dir string) {
	t.Helper()
	failing := filepath.Join(dir, "failing.yaml")
	os.WriteFile(failing, []byte(`name: failing
setup:
  templates:
    - {name: web, image: builtin/demo, port: 8080}
steps:
  - run_instances: {template: web, count: 1}
  - name: wrong count
    expect: {instances: 2, template: web}
`), 0o644)
	junit := filepath.Join(dir, "junit.xml")
	out, _, code := c.run("scenario", "run", failing, "--junit", junit)
	if code != 1 || !strings.Contains(out, "wrong count") || !strings.Contains(out, "evidence") {
		t.Fatalf("failing scenario: exit %d; want 1 with the failing step and evidence:\n%s", code, out)
	}
	var suites struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("the JUnit report is not XML: %v\n%s", err, data)
	}
	if len(suites.Suites) != 1 || suites.Suites[0].Failures != 1 || suites.Suites[0].Tests < 2 {
		t.Fatalf("JUnit report: %+v", suites)
	}
	m := regexp.MustCompile(`sandbox (scn-[0-9a-f]+) removed`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the run does not say its sandbox was removed:\n%s", out)
	}
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if left, err := rt.List(context.Background(), map[string]string{sandbox.LabelSandbox: m[1]}); err != nil || len(left) != 0 {
		t.Fatalf("sandbox %s left %d containers behind (%v)", m[1], len(left), err)
	}
}
