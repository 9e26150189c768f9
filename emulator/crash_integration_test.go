package emulator_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/scenarios"
)

// bigImage builds, through the engine's build API, an image FROM scratch
// holding one file of mb megabytes of random bytes (so nothing compresses
// or is shared), tagged ref and removed when the test ends.
func bigImage(t *testing.T, rt sandbox.Runtime, ref string, mb int) {
	t.Helper()
	blob := make([]byte, mb<<20)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, content := range map[string][]byte{"Dockerfile": []byte("FROM scratch\nCOPY blob /blob\n"), "blob": blob} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(content); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.BuildImage(context.Background(), &buf, ref, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.RemoveImage(context.Background(), ref) })
}

// uploading reports whether the registry holds a partial upload of at
// least n bytes: a push is under way.
func uploading(stateDir string, n int64) bool {
	found := false
	_ = filepath.WalkDir(stateDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(p, "_uploads") {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Size() >= n {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// registryTags lists a repository's tags through the Distribution API.
func registryTags(t *testing.T, s *emulatortest.Sandbox, repo string) []string {
	t.Helper()
	resp, err := http.Get("http://" + s.Daemon.RegistryAddr() + "/v2/" + repo + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	var out struct{ Tags []string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Tags
}

// assertConsistent checks that the registry and the catalog tell the
// same story of repo: a tag the registry lists is a whole image (its
// manifest answers) the catalog has available under that tag, and every
// available record's tags are in the registry.
func assertConsistent(t *testing.T, s *emulatortest.Sandbox, repo string) []string {
	t.Helper()
	tags := registryTags(t, s, repo)
	imgs, err := s.Client.Images(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	catalog := map[string]string{}
	for _, img := range imgs {
		if img.Repository != repo {
			continue
		}
		if img.State == images.StatePending {
			t.Errorf("%s is left pending in the catalog", img.Ref())
		}
		for _, tag := range img.Tags {
			catalog[tag] = img.Digest
			if !slices.Contains(tags, tag) {
				t.Errorf("the catalog has %s:%s (%s) but the registry lists no such tag", repo, tag, img.State)
			}
		}
	}
	for _, tag := range tags {
		d := registryTag(t, s, repo, tag)
		if d == "" {
			t.Errorf("the registry lists %s:%s but its manifest does not answer", repo, tag)
		}
		if catalog[tag] != d {
			t.Errorf("the registry has %s:%s = %s, the catalog %q", repo, tag, d, catalog[tag])
		}
	}
	return tags
}

// A daemon killed during a `docker push` of a large image and during a
// bake starts again with nothing half-visible: no partial tag or
// manifest in the registry or the catalog, no bake container; what was
// there before is still there and launches.
func TestIntegrationCrashDuringPushAndBake(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	addr := s.Daemon.RegistryAddr()

	// Before: a pushed image and a template that runs it.
	earlyRef := addr + "/early:v1"
	buildOnDemo(t, addr, earlyRef, "early-"+s.Name)
	early := push(t, earlyRef)
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "app",
		TemplateData: compute.TemplateData{Image: "early:v1", Port: 8080}}); err != nil {
		t.Fatal(err)
	}

	crashDuringPush(t, s)
	crashDuringBake(t, s)

	if d := registryTag(t, s, "early", "v1"); d != early {
		t.Fatalf("early:v1 is %q after the crashes, want %s", d, early)
	}
	assertConsistent(t, s, "early")
	tpl, err := s.Client.Template(ctx, "app")
	if err != nil || tpl.Versions[0].ImageDigest != early {
		t.Fatalf("template app after the crashes: %+v, %v; want version 1 on %s", tpl, err, early)
	}
	getOK(t, runOne(t, s, "1").Address)
}

func crashDuringPush(t *testing.T, s *emulatortest.Sandbox) {
	t.Helper()
	ref := s.Daemon.RegistryAddr() + "/big:v1"
	bigImage(t, s.Runtime, ref, 40)
	pushed := make(chan error, 1)
	go func() { pushed <- s.Runtime.ImagePush(context.Background(), ref) }()
	caught := false
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if uploading(s.StateDir, 1<<20) {
			caught = true
			break
		}
		if len(pushed) > 0 {
			break
		}
	}
	s.Kill(t)
	err := <-pushed
	t.Logf("killed the daemon %s; the push returned %v", map[bool]string{true: "mid-upload", false: "after the push"}[caught], err)
	if !caught {
		t.Log("the push ended before an upload was seen: the crash hit no push in flight")
	}
	s.Restart(t)
	if tags := assertConsistent(t, s, "big"); err != nil && len(tags) > 0 {
		t.Errorf("a push that failed left tags %v", tags)
	}
	// The registry takes the same push again, whole.
	if err := s.Runtime.ImagePush(context.Background(), ref); err != nil {
		t.Fatalf("pushing again after the restart: %v", err)
	}
	if tags := assertConsistent(t, s, "big"); !slices.Contains(tags, "v1") {
		t.Fatalf("after a second push the registry lists %v, want v1", tags)
	}
}

func crashDuringBake(t *testing.T, s *emulatortest.Sandbox) {
	t.Helper()
	repo := uniqueRepo("it-crash")
	spec, err := scenarios.ReadBakeFile(bakeFile(t, "name: "+repo+"\ntags: [v1]\nfrom: {rootfs: "+busyboxRoot(t)+"}\n"+
		"provisioners:\n  - shell: {inline: [\"echo started\", \"sleep 120\"]}\n", nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	started, done := make(chan struct{}), make(chan error, 1)
	go func() {
		var once bool
		_, err := s.Client.Bake(context.Background(), api.BakeRequest{Spec: spec}, func(p bake.Progress) {
			if p.Line == "started" && !once {
				once = true
				close(started)
			}
		})
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("the bake ended before the crash: %v", err)
	}
	s.Kill(t)
	if err := <-done; err == nil {
		t.Fatal("a bake whose daemon was killed succeeded")
	}
	s.Restart(t)
	assertNoBakeContainers(t, s)
	if tags := assertConsistent(t, s, repo); len(tags) > 0 {
		t.Errorf("the killed bake left tags %v in the registry", tags)
	}
	if _, err := s.Client.Image(context.Background(), repo+":v1"); err == nil {
		t.Errorf("the catalog has %s:v1 after the killed bake", repo)
	}
	if out := mustDocker(t, "images", "-q", repo+":v1"); strings.TrimSpace(out) != "" {
		t.Errorf("the engine has %s:v1 after the killed bake", repo)
	}
}
