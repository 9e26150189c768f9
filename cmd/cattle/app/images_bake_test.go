package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/cmd/cattle/app"
)

func TestCLIImagesBakeCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.bake.yaml", "name: web\ntags: [\"${v}\"]\nfrom: builtin/demo\nchanges: {env: {A: b}}\n")
	code, out, errOut := run(t, "images", "bake", "--check", good, "--var", "v=v2")
	if code != 0 || !strings.Contains(out, "bake web:v2 is fine: from builtin/demo") {
		t.Errorf("--check of a good file: exit %d, out %q, err %q", code, out, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--check", good}, `good.bake.yaml:2:9: variable "v" is not defined`},
		{[]string{"--check", write("bad.bake.yaml", "name: web\nfrom: builtin/demo\ntimeout: 5 mins\n")}, `bad.bake.yaml:3:10: timeout in bake`},
		{[]string{"--check", write("key.bake.yaml", "name: web\nfrom: builtin/demo\nprovisoners: []\n")}, `key.bake.yaml:3:1: unknown key "provisoners" in bake (did you mean "provisioners"?)`},
		{[]string{"--check", good, "--var", "novalue"}, `--var "novalue": write it as NAME=VALUE`},
		{[]string{"--check", good, "--var", "v=1", "--tag", "bad tag"}, `--tag: tags[0]: tag "bad tag" is not valid`},
		{[]string{good, "--var", "v=Bad Tag"}, `good.bake.yaml:2:8: tags[0]: tag "Bad Tag" is not valid`},
	} {
		code, out, errOut := run(t, append([]string{"images", "bake"}, c.args...)...)
		if code != app.ExitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("images bake %v: exit %d, out %q, err %q; want exit 2 saying %q", c.args, code, out, errOut, c.want)
		}
	}
}
