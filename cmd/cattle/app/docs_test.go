package app

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/cattle-dev/cattle/internal/testutil"
)

// TestReferenceDocsAreCurrent fails when a command, flag or step changed
// and docs/cli was not regenerated with 'make docs'.
func TestReferenceDocsAreCurrent(t *testing.T) {
	fresh := t.TempDir()
	root := newRootCommand(&Env{Streams: Streams{In: bytes.NewReader(nil), Out: io.Discard, Err: io.Discard}})
	if err := writeDocs(root, fresh); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join(testutil.RepoRoot(t), "docs", "cli")
	want, got := readTree(t, fresh), readTree(t, committed)
	for name, body := range want {
		if !bytes.Equal(got[name], body) {
			t.Errorf("docs/cli/%s is missing or stale: run 'make docs' and commit it", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/cli/%s documents nothing any more: run 'make docs' and commit it", name)
		}
	}
	if len(want) < 40 {
		t.Fatalf("only %d pages generated: the command tree was not walked", len(want))
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel], err = os.ReadFile(path)
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}
