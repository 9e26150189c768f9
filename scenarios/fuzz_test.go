package scenarios_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/scenarios"
)

// FuzzParse feeds the parser mutations of the built-in scenarios and of a
// few broken files: no input may make it panic or hang, every failure is
// a list of one-line *FileErrors, and a file that parses once parses the same again.
func FuzzParse(f *testing.F) {
	for _, b := range scenarios.Builtins() {
		f.Add(b.Source)
	}
	f.Add([]byte(goodScenario))
	for _, seed := range []string{
		"", "name: x\nsteps: [wait: 1s]\n", "steps:\n  - expect: {load: t, errors: \">= 1\", since: 1}\n",
		"a: &x [*x]\n", "steps: [{expect: {instances: {}}}]\n", "{", "- - - -", "steps:\n  - exec: |\n      echo\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scenarios.Parse("fuzz.yaml", data)
		if err != nil {
			var fe *scenarios.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") && !strings.HasPrefix(line, "... and ") {
					t.Fatalf("a problem does not name the file: %q", line)
				}
			}
			return
		}
		again, err := scenarios.Parse("fuzz.yaml", data)
		if err != nil || len(again.Steps) != len(sc.Steps) || len(again.Setup) != len(sc.Setup) {
			t.Fatalf("parsed once, not twice the same: %v", err)
		}
		for _, st := range sc.All() {
			if st.Kind == nil || st.Exec == nil {
				t.Fatalf("%s has no executor", st.Label())
			}
		}
	})
}
