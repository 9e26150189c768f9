package scenarios

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

func TestBakeFileErrorsNameFileLineAndColumn(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"unknown key", "name: web\ntagz: [v1]\nfrom: builtin/demo\n", `web.bake.yaml:2:1: unknown key "tagz" in bake (did you mean "tags"?)`},
		{"unknown nested key", "name: web\nfrom: builtin/demo\nchanges:\n  envs: {A: b}\n", `web.bake.yaml:4:3: unknown key "envs" in bake.changes`},
		{"bad duration", "name: web\nfrom: builtin/demo\ntimeout: 10 minutes\n", `web.bake.yaml:3:10: timeout in bake: "10 minutes" is not a duration`},
		{"undefined variable", "name: web\nfrom: builtin/demo\ntags: [\"${version}\"]\n", `web.bake.yaml:3:9: variable "version" is not defined`},
		{"unclosed variable", "name: web\nfrom: ${base\n", `web.bake.yaml:2:7: ${ is not closed with }`},
		{"two kinds in a provisioner", "name: web\nfrom: builtin/demo\nprovisioners:\n  - env: {A: b}\n  - shell: {inline: [x]}\n    env: {A: b}\n", `web.bake.yaml:5:5: provisioners[1]: a provisioner is exactly one of shell, file or env`},
		{"relative destination", "name: web\nfrom: builtin/demo\nprovisioners:\n  - file: {content: x, destination: etc/motd}\n", `web.bake.yaml:4:37: provisioners[0].file.destination: destination must be an absolute path`},
		{"no base", "name: web\ntags: [v1]\n", `web.bake.yaml:1:1: from: a bake needs a base`},
		{"bad port", "name: web\nfrom: builtin/demo\nchanges:\n  expose: [8080, 70000]\n", `web.bake.yaml:4:18: changes.expose[1]: port 70000 is not between 1 and 65535`},
		{"bad name", "name: Web App\nfrom: builtin/demo\n", `web.bake.yaml:1:7: name: repository name "Web App" is not valid`},
		{"test of both kinds", "name: web\nfrom: builtin/demo\ntest:\n  - exec: [a]\n    shell: {inline: [b]}\n", `web.bake.yaml:4:5: test[0]: a test is either exec`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseBakeFile("web.bake.yaml", []byte(c.text), nil)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error %v\nwant one starting %q", err, c.want)
			}
			if !errors.Is(err, errdefs.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid: the CLI would not exit 2", err)
			}
		})
	}
}

func TestBakeFileVariablesAndPaths(t *testing.T) {
	text := `name: web
tags: ["${version}", "${channel:-stable}"]
from: {rootfs: ./root}
provisioners:
  - file: {source: files/motd, destination: /etc/motd}
  - shell: {script: setup.sh}
  - shell: {inline: ["echo $${HOME}"]}
  - env: {GREETING: "${greeting:-hello world}"}
changes:
  env: {DEMO_VERSION: "${version}"}
  cmd: [/bin/sh]
test:
  - exec: [/bin/true]
timeout: 90s
`
	file := filepath.Join("/tmp", "bakes", "web.bake.yaml")
	spec, err := ParseBakeFile(file, []byte(text), map[string]string{"version": "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(spec.Tags, ","); got != "v2,stable" {
		t.Errorf("tags %s, want v2,stable (a var, a default)", got)
	}
	if got := spec.Provisioners[2].Shell.Inline[0]; got != "echo ${HOME}" {
		t.Errorf("inline %q, want $${ written as a literal ${", got)
	}
	if spec.Changes.Env["DEMO_VERSION"] != "v2" || spec.Provisioners[3].Env["GREETING"] != "hello world" {
		t.Errorf("env %v and %v, want the var and the default substituted", spec.Changes.Env, spec.Provisioners[3].Env)
	}
	if spec.From.Rootfs != "/tmp/bakes/root" || spec.Provisioners[0].File.Source != "/tmp/bakes/files/motd" ||
		spec.Provisioners[1].Shell.Script != "/tmp/bakes/setup.sh" {
		t.Errorf("paths %q %q %q, want them relative to the bake file's folder", spec.From.Rootfs,
			spec.Provisioners[0].File.Source, spec.Provisioners[1].Shell.Script)
	}
	if spec.Timeout != "1m30s" || spec.File != file || len(spec.FileSHA256) != 64 {
		t.Errorf("timeout %q, file %q, sha256 %q: want 1m30s, the file and its hash", spec.Timeout, spec.File, spec.FileSHA256)
	}
	if spec.From.Image != "" || len(spec.Test) != 1 || spec.Test[0].Exec[0] != "/bin/true" {
		t.Errorf("from %+v, test %+v", spec.From, spec.Test)
	}
}
