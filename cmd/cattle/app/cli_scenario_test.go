package app_test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/cmd/cattle/app"
)

// A file with the mistakes a newcomer makes: a wrong type, a misspelt key,
// a refresh its group's surge does not allow, a group and a load nothing makes.
const newcomerMistakes = `name: mistakes
setup:
  templates:
    - {name: web, port: 8080}
  groups:
    - {name: web, template: web, min: 2, max: 4, desired: 3, max_healthy: 150}
steps:
  - expect: {group: web, healthy: three}
  - scale: {group: web, desird: 4}
  - refresh: {group: web, min_healthy: 40}
  - expect: {group: api, healthy: 3}
  - expect: {load: traffic, errors: 0}
`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLIScenarioCheckListsEveryProblem(t *testing.T) {
	path := writeFile(t, "mistakes.yaml", newcomerMistakes)
	code, out, errOut := run(t, "scenario", "check", path)
	if code != app.ExitUsage || out != "" {
		t.Fatalf("exit %d, stdout %q; want 2 and nothing on stdout", code, out)
	}
	want := []string{
		path + ":8:35: healthy in expect needs a count",
		path + `:9:25: unknown key "desird" in scale (did you mean "desired"?)`,
		path + ":10:40: refresh: max healthy 150% and min healthy 40% are more than 100 apart",
		path + `:11:21: no group "api" is made by an earlier step`,
		path + `:12:20: no load "traffic" is made by an earlier step`,
		"cattle: scenario " + path + " has 5 problems",
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), errOut)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\ngot:  %s\nwant: %s...", i+1, lines[i], w)
		}
	}
}

// A bad file is refused before any container exists (no engine is asked:
// this test runs without one), and CI still gets both reports.
func TestCLIScenarioRunWritesReportsForABadFile(t *testing.T) {
	path := writeFile(t, "mistakes.yaml", newcomerMistakes)
	dir := t.TempDir()
	junit, journal, page := filepath.Join(dir, "report.xml"), filepath.Join(dir, "journal.json"), filepath.Join(dir, "report.html")
	code, _, errOut := run(t, "scenario", "run", path, "--junit", junit, "--json", journal, "--html", page)
	if code != app.ExitUsage || !strings.Contains(errOut, "has 5 problems") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var report struct {
		Suites []struct {
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatalf("no JUnit report: %v", err)
	}
	if err := xml.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Suites) != 1 || len(report.Suites[0].Cases) != 1 || report.Suites[0].Failures != 1 {
		t.Fatalf("want one suite with one failed case:\n%s", data)
	}
	if c := report.Suites[0].Cases[0]; c.Failure == nil || !strings.Contains(c.Failure.Text, path+":12:20: no load \"traffic\"") {
		t.Errorf("the failure does not name the file's problems:\n%s", data)
	}
	var j struct {
		Passed   bool     `json:"passed"`
		Refused  string   `json:"refused"`
		Problems []string `json:"problems"`
	}
	data, err = os.ReadFile(journal)
	if err != nil {
		t.Fatalf("no journal: %v", err)
	}
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	if j.Passed || !strings.Contains(j.Refused, "found 5 problems") || len(j.Problems) != 5 {
		t.Errorf("journal: passed %t, refused %q, %d problems", j.Passed, j.Refused, len(j.Problems))
	}
	data, err = os.ReadFile(page)
	if err != nil {
		t.Fatalf("no HTML report: %v", err)
	}
	for _, want := range []string{">FAIL<", "The run never started", "found 5 problems", "no load &#34;traffic&#34;"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}

func TestCLIBadFlagValuesAreSaidInWords(t *testing.T) {
	code, _, errOut := run(t, "events", "--after", "-5")
	if code != app.ExitUsage || strings.Contains(errOut, "strconv") || !strings.Contains(errOut, `--after "-5": want a whole number from 0`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestCLIScenarioStepsAndCookbook(t *testing.T) {
	_, out, _ := run(t, "scenario", "steps")
	for _, want := range []string{"Every step takes:", "within: DURATION", "from: S ", "since: S ", "in_service", "healthy_targets"} {
		if !strings.Contains(out, want) {
			t.Errorf("scenario steps lacks %q", want)
		}
	}
	code, out, _ := run(t, "scenario", "show", "capacity-floor")
	if code != 0 || !strings.Contains(out, "in_service: {min: 2}") {
		t.Errorf("scenario show capacity-floor: exit %d\n%s", code, out)
	}
	_, help, _ := run(t, "scenario", "show", "--help")
	for _, name := range []string{"capacity-floor", "checkpoint-rollback", "canary-share", "scale-in-order"} {
		if !strings.Contains(help, name) {
			t.Errorf("scenario show --help does not offer %s", name)
		}
	}
	// --help and the README agree: only the flag attaches a run to a sandbox.
	_, help, _ = run(t, "scenario", "run", "--help")
	if !strings.Contains(help, "CATTLE_SANDBOX does not do that") || !strings.Contains(help, "which 'scenario run' ignores") {
		t.Errorf("scenario run --help contradicts itself about CATTLE_SANDBOX:\n%s", help)
	}
}

// A newcomer reads what a key is worth when left out next to the key:
// refresh's min_healthy is the API's 90, group's max must be given, and a
// timing that depends on the sandbox names its profile.
func TestCLIScenarioStepsSayEachKeysDefault(t *testing.T) {
	_, out, _ := run(t, "scenario", "steps")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s+min_healthy\s+default 90 \(the API's\)$`),
		regexp.MustCompile(`(?m)^\s+checkpoint_delay\s+default the profile's checkpoint delay$`),
		regexp.MustCompile(`(?m)^\s+max\s+required$`),
		regexp.MustCompile(`(?m)^\s+rate\s+default 50/s$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("scenario steps has no line matching %s", want)
		}
	}
}
