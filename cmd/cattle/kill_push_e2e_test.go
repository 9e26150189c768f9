package main_test

import (
	"crypto/rand"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type daemonStatus struct {
	PID      int    `json:"pid"`
	Registry string `json:"registry"`
}

type imageJSON struct {
	Repository string   `json:"repository"`
	Tags       []string `json:"tags"`
	Digest     string   `json:"digest"`
	State      string   `json:"state"`
}

// killDaemon SIGKILLs the sandbox's daemon when ready says so, and waits
// until it is gone.
func killDaemon(t *testing.T, c *cli, ready func() bool) {
	t.Helper()
	var st daemonStatus
	c.jsonOut(&st, "status", "-o", "json")
	for deadline := time.Now().Add(2 * time.Minute); !ready(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("what the kill waits for never happened")
		}
	}
	if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, st.PID)
}

// tagsOf is what the registry and the catalog say repo's tags are.
func tagsOf(t *testing.T, c *cli, repo string) (registry, catalog map[string]string) {
	t.Helper()
	var st daemonStatus
	c.jsonOut(&st, "status", "-o", "json")
	registry, catalog = map[string]string{}, map[string]string{}
	resp, err := http.Get("http://" + st.Registry + "/v2/" + repo + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Tags []string }
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	for _, tag := range list.Tags {
		req, _ := http.NewRequest(http.MethodHead, "http://"+st.Registry+"/v2/"+repo+"/manifests/"+tag, nil)
		req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
		if r, err := http.DefaultClient.Do(req); err == nil {
			r.Body.Close()
			registry[tag] = r.Header.Get("Docker-Content-Digest")
		}
	}
	var imgs []imageJSON
	c.jsonOut(&imgs, "images", "ls", "--all", "-o", "json")
	for _, img := range imgs {
		if img.Repository == repo && img.State != "deregistered" {
			for _, tag := range img.Tags {
				catalog[tag] = img.Digest
			}
		}
	}
	return registry, catalog
}

func sameTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestIntegrationKillDuringPushAndBake SIGKILLs the daemon during a
// `docker push` of a 40 MB image and during a bake, then runs `up`:
// nothing is half-visible (the registry and the catalog agree, no bake
// container, no tag of the bake), and what was there before still is and
// still launches.
func TestIntegrationKillDuringPushAndBake(t *testing.T) {
	c := newCLI(t)
	c.ok("up")
	var st daemonStatus
	c.jsonOut(&st, "status", "-o", "json")
	c.ok("templates", "create", "web", "--image", "builtin/demo", "--port", "8080")
	beforeDemo, _ := tagsOf(t, c, "builtin/demo")

	// A push cut off mid-upload.
	dir := t.TempDir()
	blob := make([]byte, 40<<20)
	_, _ = rand.Read(blob)
	os.WriteFile(filepath.Join(dir, "blob"), blob, 0o644)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY blob /blob\n"), 0o644)
	ref := st.Registry + "/big:v1"
	if out, err := exec.Command("docker", "build", "-q", "-t", ref, dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", ref).Run() })
	push := exec.Command("docker", "push", ref)
	if err := push.Start(); err != nil {
		t.Fatal(err)
	}
	defer push.Process.Kill()
	killDaemon(t, c, func() bool { return uploadUnderWay(c.stateDir) })
	c.ok("up")
	reg, cat := tagsOf(t, c, "big")
	if !sameTags(reg, cat) {
		t.Errorf("after the kill during a push: the registry has %v, the catalog %v", reg, cat)
	}
	t.Logf("killed mid-upload; after up, big's tags: registry %v, catalog %v", reg, cat)

	// A bake killed while it provisions.
	bakeDir := t.TempDir()
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Skipf("no /usr/bin/busybox: %v", err)
	}
	os.MkdirAll(filepath.Join(bakeDir, "root", "bin"), 0o755)
	os.WriteFile(filepath.Join(bakeDir, "root", "bin", "busybox"), bb, 0o755)
	for _, l := range []string{"sh", "sleep", "echo"} {
		_ = os.Symlink("busybox", filepath.Join(bakeDir, "root", "bin", l))
	}
	file := filepath.Join(bakeDir, "image.bake.yaml")
	os.WriteFile(file, []byte("name: killed\ntags: [v1]\nfrom: {rootfs: root}\n"+
		"provisioners:\n  - shell: {inline: [\"echo started\", \"sleep 120\"]}\n"), 0o644)
	bake := exec.Command(c.bin, "images", "bake", file)
	bake.Env = append(os.Environ(), "CATTLE_SANDBOX="+c.sandbox, "CATTLE_STATE_DIR="+c.stateDir)
	if err := bake.Start(); err != nil {
		t.Fatal(err)
	}
	defer bake.Process.Kill()
	killDaemon(t, c, func() bool { return len(labelledBake(c.sandbox)) > 0 })
	c.ok("up")
	if left := labelledBake(c.sandbox); len(left) > 0 {
		t.Errorf("bake containers left after the restart: %v", left)
	}
	if reg, cat := tagsOf(t, c, "killed"); len(reg) > 0 || len(cat) > 0 {
		t.Errorf("the killed bake left tags: registry %v, catalog %v", reg, cat)
	}

	// What was there before is there and launches.
	if afterDemo, _ := tagsOf(t, c, "builtin/demo"); !sameTags(beforeDemo, afterDemo) {
		t.Errorf("builtin/demo was %v, is %v", beforeDemo, afterDemo)
	}
	c.ok("instances", "run", "--template", "web")
}

func uploadUnderWay(stateDir string) bool {
	found := false
	_ = filepath.WalkDir(stateDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, "_uploads") {
			if info, err := d.Info(); err == nil && info.Size() >= 1<<20 {
				found = true
				return fs.SkipAll
			}
		}
		return nil
	})
	return found
}

func labelledBake(sandboxName string) []string {
	out, _ := exec.Command("docker", "ps", "-a", "-q", "--filter", "label=dev.cattle.bake="+sandboxName).Output()
	return strings.Fields(string(out))
}
