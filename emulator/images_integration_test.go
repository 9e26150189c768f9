package emulator_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/testutil"
)

// buildOnDemo builds, with plain `docker build`, an image on the seeded
// demo image with its own DEMO_VERSION, tagged ref; removed at the end.
func buildOnDemo(t *testing.T, addr, ref, version string) string {
	t.Helper()
	dir := t.TempDir()
	df := "FROM " + addr + "/builtin/demo:latest\nENV DEMO_VERSION=" + version + "\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("docker", "build", "-q", "-t", ref, dir)
	// The classic builder takes FROM from the engine's images, no resolve.
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build %s: %v\n%s", ref, err, out)
	}
	t.Cleanup(func() { _, _ = dockerCLI(t, "rmi", "-f", ref) })
	return strings.TrimSpace(mustDocker(t, "image", "inspect", "-f", "{{.Id}}", ref))
}

func getOK(t *testing.T, addr string) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	for range 100 {
		if resp, err := c.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/healthz never answered 200", addr)
}

// A plain `docker build` + `docker push` into the sandbox's registry
// launches as an instance, and a template version keeps the digest it
// pinned after the tag moves.
func TestIntegrationImagesPushedImageLaunchesAndVersionKeepsItsDigest(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	addr := s.Daemon.RegistryAddr()
	ref := addr + "/app:stable"
	firstID := buildOnDemo(t, addr, ref, "v2-"+s.Name)
	first := push(t, ref)

	tpl, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "app",
		TemplateData: compute.TemplateData{Image: "app:stable", Port: 8080}})
	if err != nil {
		t.Fatal(err)
	}
	if v := tpl.Versions[0]; v.ImageDigest != first || v.ImageRepository != "app" {
		t.Fatalf("version 1 pins %s in %q, want %s in app", v.ImageDigest, v.ImageRepository, first)
	}
	gets := s.Daemon.RegistryBlobGets()
	insts := runOne(t, s, "1")
	if got := s.Daemon.RegistryBlobGets() - gets; got != 0 {
		t.Fatalf("launching an image the engine has fetched %d blobs from the registry, want 0", got)
	}
	if want := addr + "/app@" + first; insts.ImageRef != want || insts.ImageID != firstID {
		t.Fatalf("instance launched from %s (%s), want %s (%s)", insts.ImageRef, insts.ImageID, want, firstID)
	}
	getOK(t, insts.Address)

	// The tag moves to another image: version 1 still launches the first.
	secondID := buildOnDemo(t, addr, ref, "v3-"+s.Name)
	second := push(t, ref)
	if second == first || secondID == firstID {
		t.Fatal("the second build is the same image")
	}
	again := runOne(t, s, "1")
	if again.ImageDigest != first || again.ImageID != firstID {
		t.Fatalf("after the tag moved, version 1 launched %s (%s), want %s (%s)", again.ImageDigest, again.ImageID, first, firstID)
	}
	c, err := s.Runtime.Inspect(ctx, again.ContainerID)
	if err != nil || c.ImageID != firstID {
		t.Fatalf("the container runs %s (%v), want %s", c.ImageID, err, firstID)
	}
	v2, err := s.Client.CreateVersion(ctx, "app", api.CreateVersionRequest{TemplateData: compute.TemplateData{Image: "app:stable"}})
	if err != nil || v2.ImageDigest != second {
		t.Fatalf("version 2 pins %s (%v), want the moved tag's %s", v2.ImageDigest, err, second)
	}

	// An image the engine no longer has is pulled from the registry.
	thirdRef := addr + "/app:v3"
	thirdID := buildOnDemo(t, addr, thirdRef, "v4-"+s.Name)
	third := push(t, thirdRef)
	v3, err := s.Client.CreateVersion(ctx, "app", api.CreateVersionRequest{TemplateData: compute.TemplateData{Image: "app:v3"}})
	if err != nil || v3.ImageDigest != third {
		t.Fatalf("version 3 pins %s (%v), want %s", v3.ImageDigest, err, third)
	}
	mustDocker(t, "rmi", "-f", thirdID)
	gets = s.Daemon.RegistryBlobGets()
	pulled := runOne(t, s, "3")
	if s.Daemon.RegistryBlobGets() == gets {
		t.Fatal("launching an image the engine lacked fetched no blob")
	}
	if pulled.ImageID != thirdID {
		t.Fatalf("the pulled instance runs %s, want %s", pulled.ImageID, thirdID)
	}
	getOK(t, pulled.Address)

	// The catalog followed the pushes; an image in use cannot be removed.
	img, err := s.Client.Image(ctx, "app@"+first)
	if err != nil || len(img.Tags) != 0 || img.State != images.StateAvailable {
		t.Fatalf("first image's record %+v, %v: want available, untagged", img, err)
	}
	_, err = s.Client.RemoveImage(ctx, "app:stable")
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || !strings.Contains(err.Error(), "template app version 2") {
		t.Fatalf("removing an image in use: %v, want 409 naming template app version 2", err)
	}
}

func runOne(t *testing.T, s *emulatortest.Sandbox, version string) compute.Instance {
	t.Helper()
	insts, err := s.Client.RunInstances(context.Background(), api.RunInstancesRequest{Template: "app", Version: version})
	if err != nil || len(insts) != 1 || insts[0].State != compute.StateRunning {
		t.Fatalf("run: %v %+v", err, insts)
	}
	return insts[0]
}

// A keep-3 lifecycle policy expires the older images but the one in use,
// and the prune frees their layers.
func TestIntegrationImagesPruneKeepThreeFreesBytes(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	addr := s.Daemon.RegistryAddr()
	digests := map[string]string{}
	for _, tag := range []string{"v1", "v2", "v3", "v4", "v5"} {
		ref := addr + "/site:" + tag
		// Random content, so that the layer does not compress away.
		noise := make([]byte, 8192)
		_, _ = rand.Read(noise)
		buildScratch(t, ref, tag+" of "+s.Name+"\n"+hex.EncodeToString(noise))
		digests[tag] = push(t, ref)
	}
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "site",
		TemplateData: compute.TemplateData{Image: "site:v1"}}); err != nil {
		t.Fatal(err)
	}
	policy := `{"rules":[{"rulePriority":1,"description":"keep 3","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}`
	if _, err := s.Client.SetLifecyclePolicy(ctx, "site", []byte(policy)); err != nil {
		t.Fatal(err)
	}
	dry, err := s.Client.PruneImages(ctx, true)
	if err != nil || len(dry.Expired) != 1 || dry.Expired[0].Image.Digest != digests["v2"] {
		t.Fatalf("dry run %+v, %v: want v2 alone (v1 is in use)", dry, err)
	}
	res, err := s.Client.PruneImages(ctx, false)
	if err != nil || len(res.Expired) != 1 || res.FreedBytes < 4096 {
		t.Fatalf("prune %+v, %v: want v2 expired and its layer freed", res, err)
	}
	out := mustDocker(t, "manifest", "inspect", "--insecure", addr+"/site:v1")
	if !strings.Contains(out, "schemaVersion") {
		t.Fatalf("site:v1 (in use) is gone: %s", out)
	}
	if out, err := dockerCLI(t, "manifest", "inspect", "--insecure", addr+"/site:v2"); err == nil {
		t.Fatalf("site:v2 is still in the registry: %s", out)
	}
	all, _ := s.Client.Images(ctx, true)
	for _, img := range all {
		if img.Digest == digests["v2"] && img.State != images.StateDeregistered {
			t.Fatalf("v2's record is %s, want deregistered", img.State)
		}
	}
}

// A template naming an engine image pushes it into the sandbox's registry
// under a reference of the registry's; taking the sandbox down for good
// removes that reference, never the user's image or its own tag.
func TestIntegrationPurgeUntagsRegistryReferencesOnly(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	addr := s.Daemon.RegistryAddr()
	user := "cattle-user-" + s.Name + ":v1"
	id := buildFromScratch(t, user)
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "app",
		TemplateData: compute.TemplateData{Image: user, Port: 8080}}); err != nil {
		t.Fatal(err)
	}
	registryTags := func() []string {
		var out []string
		for _, tag := range strings.Fields(mustDocker(t, "image", "inspect", "-f", "{{join .RepoTags \" \"}}", id)) {
			if strings.HasPrefix(tag, addr+"/") {
				out = append(out, tag)
			}
		}
		return out
	}
	if len(registryTags()) == 0 {
		t.Fatalf("the engine image %s has no reference into the registry %s after its push", user, addr)
	}
	if err := s.Daemon.Stop(ctx, emulator.StopOptions{Teardown: true, Purge: true}); err != nil {
		t.Fatal(err)
	}
	if left := registryTags(); len(left) != 0 {
		t.Fatalf("after the purge the engine still has %v", left)
	}
	if got := strings.TrimSpace(mustDocker(t, "image", "inspect", "-f", "{{.Id}}", user)); got != id {
		t.Fatalf("the user's image %s is %q after the purge, want %s", user, got, id)
	}
}

// buildFromScratch builds, with plain `docker build`, the demo app from
// scratch as a user would (no label of cattle's inherited), tagged ref.
func buildFromScratch(t *testing.T, ref string) string {
	t.Helper()
	dir := t.TempDir()
	bin, err := os.ReadFile(testutil.CattleBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	df := "FROM scratch\nCOPY cattle /cattle\nENTRYPOINT [\"/cattle\", \"demo-app\"]\n"
	for name, data := range map[string][]byte{"Dockerfile": []byte(df), "cattle": bin} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("docker", "build", "-q", "-t", ref, dir)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build %s: %v\n%s", ref, err, out)
	}
	t.Cleanup(func() { _, _ = dockerCLI(t, "rmi", "-f", ref) })
	return strings.TrimSpace(mustDocker(t, "image", "inspect", "-f", "{{.Id}}", ref))
}
