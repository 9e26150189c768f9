package emulator_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/scenarios"
)

// bakeFile writes a bake file (and the files beside it) into a new folder
// and returns its path.
func bakeFile(t *testing.T, text string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "image.bake.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runBake parses a bake file as the CLI does and bakes it, keeping the
// progress lines.
func runBake(t *testing.T, s *emulatortest.Sandbox, file string, vars map[string]string) (bake.Result, []string, error) {
	t.Helper()
	spec, err := scenarios.ReadBakeFile(file, vars)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var lines []string
	res, err := s.Client.Bake(ctx, api.BakeRequest{Spec: spec}, func(p bake.Progress) {
		lines = append(lines, fmt.Sprintf("%s %s %s %s", p.Phase, p.Status, p.Step, p.Line))
	})
	return res, lines, err
}

// uniqueRepo names a repository no other test uses (engine tags are shared).
func uniqueRepo(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1_000_000_000)
}

// registryTag asks the sandbox's registry for a tag's digest ("" if none).
func registryTag(t *testing.T, s *emulatortest.Sandbox, repo, tag string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodHead, "http://"+s.Daemon.RegistryAddr()+"/v2/"+repo+"/manifests/"+tag, nil)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return ""
	}
	return resp.Header.Get("Docker-Content-Digest")
}

// assertNoBakeContainers: `docker ps -a` shows nothing of the sandbox's bakes.
// An in-process daemon stopped mid-bake leaves its bake's goroutine to end
// on its own (a killed process would not): give it time to clean up.
func assertNoBakeContainers(t *testing.T, s *emulatortest.Sandbox) {
	t.Helper()
	var out string
	for range 60 {
		out = mustDocker(t, "ps", "-a", "-q", "--filter", "label="+bake.LabelBake+"="+s.Name)
		if strings.TrimSpace(out) == "" {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("bake containers left: %s", out)
}

func TestIntegrationBakeFromDemoWithFileAndEnv(t *testing.T) {
	s := emulatortest.Start(t)
	repo := uniqueRepo("it-web")
	file := bakeFile(t, `name: `+repo+`
tags: ["${version}"]
from: builtin/demo
provisioners:
  - file: {source: files/motd.txt, destination: /etc/motd}
changes:
  env: {DEMO_VERSION: "${version}", GREETING: hello}
  expose: [8080]
test:
  - exec: [/cattle, demo-app, --self-test]
`, map[string]string{"files/motd.txt": "baked motd\n"})
	res, lines, err := runBake(t, s, file, map[string]string{"version": "v2"})
	if err != nil {
		t.Fatalf("bake: %v\n%s", err, strings.Join(lines, "\n"))
	}
	ref := repo + ":v2"
	if res.Reference != s.Daemon.RegistryAddr()+"/"+ref || !strings.HasPrefix(res.Digest, "sha256:") || res.Size == 0 {
		t.Errorf("result %+v", res)
	}
	if got := registryTag(t, s, repo, "v2"); got != res.Digest {
		t.Errorf("the registry's %s is %q, want the result's %s", ref, got, res.Digest)
	}
	env := mustDocker(t, "image", "inspect", "--format", "{{json .Config.Env}}", ref)
	if !strings.Contains(env, "DEMO_VERSION=v2") || !strings.Contains(env, "GREETING=hello") {
		t.Errorf("engine image %s has env %s, want DEMO_VERSION=v2 and GREETING=hello", ref, env)
	}
	cid := strings.TrimSpace(mustDocker(t, "create", ref))
	defer dockerCLI(t, "rm", "-f", cid)
	dest := filepath.Join(t.TempDir(), "motd")
	mustDocker(t, "cp", cid+":/etc/motd", dest)
	if b, _ := os.ReadFile(dest); string(b) != "baked motd\n" {
		t.Errorf("/etc/motd in the image is %q", b)
	}
	checkProvenance(t, s, file, ref, res)
	if !strings.Contains(strings.Join(lines, "\n"), "test 1 self-test ok") {
		t.Errorf("the test's output was not streamed:\n%s", strings.Join(lines, "\n"))
	}
}

// checkProvenance: the image's labels, the manifest beside the bake file
// and the event.
func checkProvenance(t *testing.T, s *emulatortest.Sandbox, file, ref string, res bake.Result) {
	t.Helper()
	var labels map[string]string
	if err := json.Unmarshal([]byte(mustDocker(t, "image", "inspect", "--format", "{{json .Config.Labels}}", ref)), &labels); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(file)
	sum := sha256.Sum256(text)
	if labels[bake.LabelFileSHA256] != hex.EncodeToString(sum[:]) || !strings.HasPrefix(labels[bake.LabelBaseDigest], "sha256:") ||
		labels[bake.LabelCreated] == "" || labels[bake.LabelVersion] == "" {
		t.Errorf("provenance labels %v", labels)
	}
	var m bake.Manifest
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), bake.ManifestFile))
	if err != nil || json.Unmarshal(b, &m) != nil || len(m.Builds) != 1 {
		t.Fatalf("manifest: %v\n%s", err, b)
	}
	if m.Builds[0].ArtifactID != res.Digest || m.Builds[0].RunUUID != m.LastRunUUID || m.Builds[0].BuildTime == 0 {
		t.Errorf("manifest %+v, want artifact %s", m, res.Digest)
	}
	evs, err := s.Client.Events(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == "image.baked" && e.Fields["digest"] == res.Digest {
			return
		}
	}
	t.Errorf("no image.baked event for %s", res.Digest)
}

// busyboxRoot is a root filesystem folder with busybox and its applets.
func busyboxRoot(t *testing.T) string {
	t.Helper()
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Skipf("no /usr/bin/busybox (Debian's busybox-static): %v", err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "echo", "cat", "test", "mkdir", "sleep", "grep", "true"} {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestIntegrationBakeBusyboxRootfsWithShellAndTest(t *testing.T) {
	s := emulatortest.Start(t)
	repo := uniqueRepo("it-bb")
	root := busyboxRoot(t)
	file := bakeFile(t, `name: `+repo+`
tags: [v1]
from: {rootfs: `+root+`}
provisioners:
  - env: {GREETING: hi}
  - shell: {inline: ["mkdir -p /www", "echo $GREETING > /www/index.html", "echo built the page"]}
  - shell: {script: setup.sh}
changes:
  cmd: [/bin/cat, /www/index.html]
test:
  - shell: {inline: ["test -f /www/index.html", "grep -q hi /www/index.html"]}
  - exec: [/bin/cat, /etc/setup-done]
`, map[string]string{"setup.sh": "echo done > /etc/setup-done\n"})
	res, lines, err := runBake(t, s, file, nil)
	if err != nil {
		t.Fatalf("bake: %v\n%s", err, strings.Join(lines, "\n"))
	}
	if !strings.Contains(strings.Join(lines, "\n"), "shell 2 built the page") {
		t.Errorf("shell output not streamed with its step's name:\n%s", strings.Join(lines, "\n"))
	}
	if out := strings.TrimSpace(mustDocker(t, "run", "--rm", repo+":v1")); out != "hi" {
		t.Errorf("docker run %s printed %q, want hi (the changes' cmd, not the build's shell)", repo, out)
	}
	if registryTag(t, s, repo, "v1") != res.Digest {
		t.Errorf("registry digest differs from %s", res.Digest)
	}
	assertNoBakeContainers(t, s)
}

// A failing provisioner, a failing test and a cancelled bake leave no
// container, create no tag and move none: a tag baked before still names
// its image, in the engine and in the registry.
func TestIntegrationFailedBakeLeavesNothing(t *testing.T) {
	s := emulatortest.Start(t)
	repo := uniqueRepo("it-fail")
	root := busyboxRoot(t)
	good, _, err := runBake(t, s, bakeFile(t, "name: "+repo+"\ntags: [v1]\nfrom: {rootfs: "+root+"}\n", nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	engineID := strings.TrimSpace(mustDocker(t, "image", "inspect", "--format", "{{.Id}}", repo+":v1"))
	for name, text := range map[string]string{
		"provisioner": "provisioners:\n  - shell: {inline: [\"echo going\", \"exit 3\"]}\n",
		"test":        "provisioners:\n  - shell: {inline: [\"echo x > /x\"]}\ntest:\n  - exec: [/bin/test, -f, /nope]\n",
	} {
		for _, tag := range []string{"v1", "v9"} {
			file := bakeFile(t, "name: "+repo+"\ntags: ["+tag+"]\nfrom: {rootfs: "+root+"}\n"+text, nil)
			_, lines, err := runBake(t, s, file, nil)
			if err == nil || !strings.Contains(err.Error(), "exited with code") {
				t.Fatalf("failing %s, tag %s: err %v\n%s", name, tag, err, strings.Join(lines, "\n"))
			}
			assertNoBakeContainers(t, s)
			if _, err := os.Stat(filepath.Join(filepath.Dir(file), bake.ManifestFile)); err == nil {
				t.Errorf("failing %s wrote a manifest", name)
			}
		}
	}
	if d := registryTag(t, s, repo, "v9"); d != "" {
		t.Errorf("failed bakes pushed %s:v9 (%s)", repo, d)
	}
	if _, err := dockerCLI(t, "image", "inspect", repo+":v9"); err == nil {
		t.Errorf("failed bakes tagged %s:v9 in the engine", repo)
	}
	if id := strings.TrimSpace(mustDocker(t, "image", "inspect", "--format", "{{.Id}}", repo+":v1")); id != engineID {
		t.Errorf("%s:v1 moved from %s to %s in the engine", repo, engineID, id)
	}
	if d := registryTag(t, s, repo, "v1"); d != good.Digest {
		t.Errorf("%s:v1 moved from %s to %s in the registry", repo, good.Digest, d)
	}
	checkFailedEvents(t, s, repo, 4)
	cancelledBake(t, s, repo, root)
}

func checkFailedEvents(t *testing.T, s *emulatortest.Sandbox, repo string, want int) {
	t.Helper()
	if n := failedEvents(t, s, repo); n != want {
		t.Errorf("%d image.bake-failed events for %s, want %d", n, repo, want)
	}
}

func failedEvents(t *testing.T, s *emulatortest.Sandbox, repo string) int {
	t.Helper()
	evs, err := s.Client.Events(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == "image.bake-failed" && e.Fields["repository"] == repo {
			n++
		}
	}
	return n
}

// cancelledBake: a client that goes away (Ctrl-C) cancels the bake, whose
// containers the daemon removes.
func cancelledBake(t *testing.T, s *emulatortest.Sandbox, repo, root string) {
	t.Helper()
	spec, err := scenarios.ReadBakeFile(bakeFile(t, "name: "+repo+"\ntags: [v5]\nfrom: {rootfs: "+root+"}\n"+
		"provisioners:\n  - shell: {inline: [\"sleep 60\"]}\n", nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = s.Client.Bake(ctx, api.BakeRequest{Spec: spec}, func(p bake.Progress) {
		if p.Phase == "build" && p.Status == "start" {
			time.AfterFunc(time.Second, cancel)
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled bake: %v", err)
	}
	// The daemon cleans up once it sees the client gone.
	for i := 0; ; i++ {
		out := mustDocker(t, "ps", "-a", "-q", "--filter", "label="+bake.LabelBake+"="+s.Name)
		if strings.TrimSpace(out) == "" {
			break
		}
		if i == 300 {
			t.Fatalf("the cancelled bake's containers are still there: %s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Its failure is recorded as the bake unwinds, maybe after the
	// containers went.
	testutil.WaitFor(t, "the cancelled bake's failure event", 30*time.Second, func() bool {
		return failedEvents(t, s, repo) == 5
	})
}

func TestIntegrationBakeImmutableRepositoryRefusesASecondBake(t *testing.T) {
	s := emulatortest.Start(t)
	repo := uniqueRepo("it-locked")
	if _, err := s.Client.CreateRepository(context.Background(), repo, true); err != nil {
		t.Fatal(err)
	}
	file := bakeFile(t, "name: "+repo+"\ntags: [v1]\nfrom: builtin/demo\nchanges: {env: {DEMO_VERSION: \"${v}\"}}\n", nil)
	first, _, err := runBake(t, s, file, map[string]string{"v": "one"})
	if err != nil {
		t.Fatal(err)
	}
	_, lines, err := runBake(t, s, file, map[string]string{"v": "two"})
	if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "ImageTagAlreadyExistsException") ||
		!strings.Contains(err.Error(), "'v1'") {
		t.Fatalf("second bake of %s:v1: %v, want ImageTagAlreadyExistsException naming the tag", repo, err)
	}
	if len(lines) != 0 {
		t.Errorf("the refused bake ran: %v", lines)
	}
	if d := registryTag(t, s, repo, "v1"); d != first.Digest {
		t.Errorf("%s:v1 is %s, want the first bake's %s", repo, d, first.Digest)
	}
	assertNoBakeContainers(t, s)
}

// A daemon killed during a bake leaves its build container; the next one
// removes it when it starts.
func TestIntegrationBakeLeftoversRemovedWhenTheDaemonStarts(t *testing.T) {
	s := emulatortest.Start(t)
	root := busyboxRoot(t)
	spec, err := scenarios.ReadBakeFile(bakeFile(t, "name: "+uniqueRepo("it-crash")+"\nfrom: {rootfs: "+root+"}\n"+
		"provisioners:\n  - shell: {inline: [\"echo started\", \"sleep 120\"]}\n", nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	go func() {
		var once bool
		_, _ = s.Client.Bake(context.Background(), api.BakeRequest{Spec: spec}, func(p bake.Progress) {
			if p.Line == "started" && !once {
				once = true
				close(started)
			}
		})
	}()
	<-started
	s.Crash(t)
	if out := mustDocker(t, "ps", "-a", "-q", "--filter", "label="+bake.LabelBake+"="+s.Name); strings.TrimSpace(out) == "" {
		t.Fatal("no build container after the crash: the test cannot tell whether a restart removes it")
	}
	s.Restart(t)
	assertNoBakeContainers(t, s)
}
