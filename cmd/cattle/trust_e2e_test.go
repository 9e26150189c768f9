package main_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// labelled lists the containers carrying a sandbox's label.
func labelled(t *testing.T, sandbox string) []string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-aq", "--filter", "label=dev.cattle.sandbox="+sandbox).Output()
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	return strings.Fields(string(out))
}

// TestIntegrationAStateDirRefusesAnotherSandbox repeats the finding: with
// CATTLE_STATE_DIR pointing at one sandbox's state, commands naming another
// sandbox must refuse and leave the first one as it was.
func TestIntegrationAStateDirRefusesAnotherSandbox(t *testing.T) {
	c := newCLI(t)
	c.ok("up")
	c.ok("templates", "create", "web", "--image", "builtin/demo", "--port", "8080")
	c.ok("instances", "run", "--template", "web", "--count", "2")
	before := labelled(t, c.sandbox)
	if len(before) != 2 {
		t.Fatalf("containers of %s: %v, want 2", c.sandbox, before)
	}
	other := *c
	other.sandbox = c.sandbox + "-other"
	wantMsg := "state directory " + c.stateDir + " belongs to sandbox " + c.sandbox + ", not " + other.sandbox
	for _, args := range [][]string{
		{"down", "--purge", "--sandbox", other.sandbox}, // the flag beats CATTLE_SANDBOX
		{"down", "--purge"},
		{"up"},
		{"status"},
		{"templates", "rm", "web"},
	} {
		out, errOut, code := other.run(args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], wantMsg) {
			t.Errorf("cattle %s as %s: exit %d\nstdout: %s\nstderr: %s\nwant exit 2 and one line: %s",
				strings.Join(args, " "), other.sandbox, code, out, errOut, wantMsg)
		}
	}
	if after := labelled(t, c.sandbox); len(after) != 2 {
		t.Errorf("containers of %s after the refused commands: %v, want the 2 it had", c.sandbox, after)
	}
	if out := c.ok("status"); !strings.Contains(out, c.sandbox) {
		t.Errorf("status of %s: %s", c.sandbox, out)
	}
	c.ok("down", "--purge")
	if _, err := os.Stat(c.stateDir); !os.IsNotExist(err) {
		t.Errorf("its own down --purge left the state directory (stat: %v)", err)
	}
}

// TestIntegrationUpOnADamagedStateFileThenRestore damages the state file
// the ways a disk or a copy does: up refuses each in one line, and state
// restore brings back the backup made at shutdown, with its template.
func TestIntegrationUpOnADamagedStateFileThenRestore(t *testing.T) {
	c := newCLI(t)
	c.ok("up")
	c.ok("templates", "create", "keep-me", "--image", "builtin/demo", "--port", "8080")
	c.ok("down")
	db := filepath.Join(c.stateDir, "state.db")
	setSchema(t, db, "9") // as a newer cattle would leave it
	if out, errOut, code := c.run("up"); code != 1 || !strings.Contains(errOut, "schema version 9, newer than this cattle") {
		t.Errorf("up on a newer schema: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	setSchema(t, db, "2")
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, fi.Size())
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	damages := map[string]func() error{
		"truncated to 8 KiB": func() error { return os.Truncate(db, 8<<10) },
		"zeroed":             func() error { return os.WriteFile(db, make([]byte, fi.Size()), 0o600) },
		"random bytes":       func() error { return os.WriteFile(db, random, 0o600) },
	}
	for name, damage := range damages {
		if err := damage(); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"up"}, {"up", "--foreground"}} {
			out, errOut, code := c.run(args...)
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if code != 1 || len(lines) != 1 || !strings.Contains(errOut, db+" is damaged") ||
				!strings.Contains(errOut, "cattle state restore") || strings.Contains(errOut, "goroutine") {
				t.Errorf("state file %s, cattle %s: exit %d\nstdout: %s\nstderr: %s\nwant exit 1 and one line naming %s and the restore",
					name, strings.Join(args, " "), code, out, errOut, db)
			}
		}
	}
	out := c.ok("state", "restore")
	if !strings.Contains(out, "state restored from "+filepath.Join(c.stateDir, "backups")) || !strings.Contains(out, ".damaged-") {
		t.Errorf("state restore said %q", out)
	}
	kept, _ := filepath.Glob(db + ".damaged-*")
	if len(kept) != 1 {
		t.Errorf("damaged files kept: %v, want 1", kept)
	}
	c.ok("up")
	if ts := c.ok("templates", "ls", "-o", "json"); !bytes.Contains([]byte(ts), []byte(`"keep-me"`)) {
		t.Errorf("after restore the template is missing: %s", ts)
	}
	if _, errOut, code := c.run("state", "restore"); code == 0 || !strings.Contains(errOut, "is running") {
		t.Errorf("state restore while the daemon runs: exit %d, %s; want a refusal", code, errOut)
	}
}

// setSchema rewrites the schema version a stopped sandbox's state file records.
func setSchema(t *testing.T, path, version string) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte(version))
	}); err != nil {
		t.Fatal(err)
	}
}
