package emulator_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/emulatortest"
)

// dockerCLI runs the docker CLI and returns its combined output.
func dockerCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return string(out), err
}

func mustDocker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := dockerCLI(t, args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// buildScratch builds an image FROM scratch holding one file with content,
// tagged ref, removed when the test ends.
func buildScratch(t *testing.T, ref, content string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY index.html /index.html\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustDocker(t, "build", "-q", "-t", ref, dir)
	t.Cleanup(func() { _, _ = dockerCLI(t, "rmi", "-f", ref) })
}

var pushedDigest = regexp.MustCompile(`digest: (sha256:[0-9a-f]{64})`)

func push(t *testing.T, ref string) string {
	t.Helper()
	out := mustDocker(t, "push", ref)
	m := pushedDigest.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("docker push %s printed no digest:\n%s", ref, out)
	}
	return m[1]
}

func TestIntegrationRegistryDockerPushPull(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	addr := s.Daemon.RegistryAddr()
	st, err := s.Client.Status(ctx)
	if err != nil || st.Registry != addr || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("status registry %q (%v), want the daemon's 127.0.0.1 address %q", st.Registry, err, addr)
	}

	ref := addr + "/web:v1"
	buildScratch(t, ref, "web v1 of "+s.Name)
	digest := push(t, ref)
	mustDocker(t, "rmi", ref)
	out := mustDocker(t, "pull", ref)
	if !strings.Contains(out, "Digest: "+digest) {
		t.Fatalf("docker pull %s printed\n%s\nwant the pushed digest %s", ref, out, digest)
	}
	if out := mustDocker(t, "image", "inspect", "-f", "{{json .RepoDigests}}", ref); !strings.Contains(out, addr+"/web@"+digest) {
		t.Fatalf("pulled image's repo digests %s, want %s/web@%s", out, addr, digest)
	}
	checkPushEvent(t, s, "web", "v1", digest)

	checkImmutableRefusal(t, s, addr)
	checkMalformedManifest(t, s, addr)

	// A restarted daemon serves the same content on the same port.
	s.Crash(t)
	s.Restart(t)
	if got := s.Daemon.RegistryAddr(); got != addr {
		t.Fatalf("registry address after a restart %s, want the one kept from before, %s", got, addr)
	}
	mustDocker(t, "rmi", ref)
	if out := mustDocker(t, "pull", ref); !strings.Contains(out, "Digest: "+digest) {
		t.Fatalf("docker pull after a restart printed\n%s\nwant digest %s", out, digest)
	}
}

func checkPushEvent(t *testing.T, s *emulatortest.Sandbox, repo, tag, digest string) {
	t.Helper()
	evs, err := s.Client.Events(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == "image.pushed" && e.Fields["repository"] == repo && e.Fields["tag"] == tag && e.Fields["digest"] == digest {
			return
		}
	}
	t.Fatalf("no image.pushed event for %s:%s %s among %d events", repo, tag, digest, len(evs))
}

// checkImmutableRefusal: an immutable repository refuses a second push of
// a tag with another image, naming the tag, and the tag keeps its image.
func checkImmutableRefusal(t *testing.T, s *emulatortest.Sandbox, addr string) {
	t.Helper()
	if _, err := s.Client.CreateRepository(context.Background(), "locked", true); err != nil {
		t.Fatal(err)
	}
	ref := addr + "/locked:v1"
	buildScratch(t, ref, "first of "+s.Name)
	first := push(t, ref)
	buildScratch(t, ref, "second of "+s.Name)
	out, err := dockerCLI(t, "push", ref)
	if err == nil || !strings.Contains(out, "'v1'") || !strings.Contains(out, "immutable") {
		t.Fatalf("second push of locked:v1: err %v, output\n%s\nwant a refusal naming the tag 'v1' and immutability", err, out)
	}
	resp, err := http.Head("http://" + addr + "/v2/locked/manifests/v1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Docker-Content-Digest"); got != first {
		t.Fatalf("locked:v1 names %s after the refused push, want the first image %s", got, first)
	}
}

// checkMalformedManifest: a malformed manifest gets the registry's error
// and the daemon keeps serving.
func checkMalformedManifest(t *testing.T, s *emulatortest.Sandbox, addr string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, "http://"+addr+"/v2/web/manifests/broken",
		bytes.NewReader([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":`)))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "MANIFEST_INVALID") {
		t.Fatalf("malformed manifest answered %d %s, want 400 MANIFEST_INVALID", resp.StatusCode, body)
	}
	if _, err := s.Client.Status(context.Background()); err != nil {
		t.Fatalf("the API after a malformed push: %v", err)
	}
	resp, err = http.Get("http://" + addr + "/v2/web/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"v1"`) || strings.Contains(string(body), "broken") {
		t.Fatalf("tags of web after a malformed push: %d %s, want v1 and no 'broken'", resp.StatusCode, body)
	}
}
