package licenses

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func bundled(t *testing.T) []Module {
	t.Helper()
	mods, err := Bundled(moduleRoot(t), "./cmd/cattle")
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) < 10 {
		t.Fatalf("only %d bundled modules found: the module graph was not read", len(mods))
	}
	return mods
}

// TestBundledLicensesAreAllowed fails the build when the binary would carry
// code under a license cattle cannot ship under Apache-2.0.
func TestBundledLicensesAreAllowed(t *testing.T) {
	for _, m := range bundled(t) {
		if !m.Allowed() {
			t.Errorf("%s %s is under %s (%s): cattle cannot bundle it; drop the dependency or find another",
				m.Path, m.Version, m.License, m.File)
		}
	}
}

func TestNoticesAreUpToDate(t *testing.T) {
	want := Notices(bundled(t))
	got, err := os.ReadFile(filepath.Join(moduleRoot(t), "THIRD_PARTY_NOTICES.md"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("THIRD_PARTY_NOTICES.md is out of date with the module graph (%v): run 'make notices' and commit it", err)
	}
}

// licenseText reads a full license text: Debian's common licenses, or one
// of licensecheck's own test texts (its module is in the cache for this).
func licenseText(t *testing.T, name string) []byte {
	t.Helper()
	if b, err := os.ReadFile("/usr/share/common-licenses/" + name); err == nil {
		return b
	}
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/google/licensecheck").Output()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(dir)), "testdata", name+".t1"))
	if err != nil {
		t.Skipf("no text of %s here: %v", name, err)
	}
	return b
}

func TestCopyleftAndUnknownLicensesAreRefused(t *testing.T) {
	cases := map[string]bool{"Apache-2.0": true, "MIT": true, "BSD-3-Clause": true, "MPL-2.0": true,
		"GPL-3.0": false, "AGPL-3.0": false, "LGPL-2.1": false}
	for name, allowed := range cases {
		id := Identify(licenseText(t, name))
		m := Module{License: id}
		if !strings.HasPrefix(id, strings.TrimSuffix(name, ".0")) || m.Allowed() != allowed {
			t.Errorf("%s: identified as %q, allowed %v; want allowed %v", name, id, m.Allowed(), allowed)
		}
	}
	if (Module{License: "unknown"}).Allowed() {
		t.Error("a module with no recognised license must be refused")
	}
}
