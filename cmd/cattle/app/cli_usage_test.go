package app_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/cmd/cattle/app"
)

// run runs the CLI with no daemon, as a user typing at a shell would.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("CATTLE_STATE_DIR", t.TempDir())
	var out, errOut bytes.Buffer
	code = app.Main(args, app.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func TestCLIUsageErrorsExit2WithOneLineNamingTheFix(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"groups", "create", "web", "--bogus"}, "unknown flag: --bogus: see 'cattle groups create --help'"},
		{[]string{"groups", "inspect"}, "groups inspect takes one NAME: see 'cattle groups inspect --help'"},
		{[]string{"groups", "scale", "web", "--desired", "x"}, "see 'cattle groups scale --help'"},
		{[]string{"frobnicate"}, `unknown command "frobnicate" for cattle: see 'cattle --help'`},
		{[]string{"groups", "refrsh"}, `unknown command "refrsh" for cattle groups (did you mean refresh?)`},
		{[]string{"--bogus", "groups", "ls"}, "unknown flag: --bogus"},
		{[]string{"templates", "ls", "-o", "xml"}, "unknown output format"},
		{[]string{"up", "-o", "json"}, "-o is for listings only"},
		{[]string{"completion", "tcsh"}, "use bash, zsh or fish"},
		{[]string{"--sandbox", "Bad!", "status"}, "is not valid"},
	} {
		code, out, errOut := run(t, c.args...)
		if code != app.ExitUsage || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || out != "" {
			t.Errorf("cattle %s: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q",
				strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}
}

func TestCLIHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--help"}, 0, []string{"Start here:  cattle scenario run tour", "Available Commands:", "completion", "--sandbox NAME"}},
		{[]string{"groups", "--help"}, 0, []string{"Usage:\n  cattle groups [command]", "cancel-refresh  cancel"}},
		{[]string{"help", "groups"}, 0, []string{"cattle groups [command]"}},
		{[]string{"groups", "refresh", "--help"}, 0, []string{"cattle groups refresh NAME [flags]", "--min-healthy", "Global Flags:"}},
		// A command that only holds others, run alone, shows its help and exits 2.
		{[]string{"groups"}, 2, []string{"Available Commands:"}},
		{nil, 2, []string{"Available Commands:"}},
	} {
		code, out, errOut := run(t, c.args...)
		if code != c.code || errOut != "" {
			t.Errorf("cattle %s: exit %d, stderr %q; want exit %d", strings.Join(c.args, " "), code, errOut, c.code)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("cattle %s: help lacks %q:\n%s", strings.Join(c.args, " "), w, out)
			}
		}
	}
}

func TestCLIDemoAppHelpIsTheDemoApps(t *testing.T) {
	for _, args := range [][]string{
		{"demo-app", "--help"},
		{"demo-app", "-h"},
		{"--sandbox", "x", "demo-app", "--help"},
		{"--state-dir=/nonexistent", "demo-app", "--help"},
	} {
		code, out, errOut := run(t, args...)
		if code != 0 || !strings.Contains(out, "Usage: cattle demo-app") || !strings.Contains(out, "--self-test") {
			t.Errorf("cattle %s: exit %d, stderr %q, stdout:\n%s", strings.Join(args, " "), code, errOut, out)
		}
	}
	if code, _, errOut := run(t, "demo-app", "--bogus"); code != 1 || !strings.Contains(errOut, "cattle demo-app --help") {
		t.Errorf("demo-app --bogus: exit %d, %q", code, errOut)
	}
}

func TestCLICompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "# bash completion V2 for cattle",
		"zsh":  "#compdef cattle",
		"fish": "# fish completion for cattle",
	} {
		code, out, errOut := run(t, "completion", shell)
		if code != 0 || !strings.HasPrefix(out, want) {
			t.Errorf("completion %s: exit %d, %q, starts %q", shell, code, errOut, out[:min(len(out), 60)])
		}
	}
	// The shell itself reads the bash script, and completes from it.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to load the script")
	}
	_, script, _ := run(t, "completion", "bash")
	file := filepath.Join(t.TempDir(), "cattle.bash")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("bash -n on the completion script: %v\n%s", err, out)
	}
	if out, err := exec.Command(bash, "-c", "source "+file+" && declare -F __start_cattle").CombinedOutput(); err != nil {
		t.Fatalf("loading the completion script: %v\n%s", err, out)
	}
	for line, want := range map[string]string{
		"groups re":        "refresh\tstart an instance refresh",
		"groups ref":       "refreshes\tlist a group's instance refreshes",
		"scenario run to":  "tour",
		"groups ls -o ":    "table\njson\nyaml",
		"instances run --": "--template",
	} {
		args := append([]string{"__complete"}, strings.Split(line, " ")...)
		code, out, _ := run(t, args...)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("completing %q: exit %d, %q, want %q", line, code, out, want)
		}
	}
}
