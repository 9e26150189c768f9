package images

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
)

// tarFile is one entry of a build context the fake engine received.
type tarFile struct {
	mode int64
	data []byte
}

type fakeBuild struct {
	ref    string
	labels map[string]string
	files  map[string]tarFile
}

// fakeImageRuntime is an engine that only builds and inspects images.
// Methods it does not implement panic through the nil embedded interface.
type fakeImageRuntime struct {
	sandbox.Runtime

	mu         sync.Mutex
	images     map[string]sandbox.Image // by tag and by id
	builds     []fakeBuild
	inspectErr error // returned by InspectImage when set
	// buildErr fails BuildImage after it read readBeforeFail bytes.
	buildErr       error
	readBeforeFail int64
}

func newFakeImageRuntime() *fakeImageRuntime {
	return &fakeImageRuntime{images: map[string]sandbox.Image{}}
}

func (f *fakeImageRuntime) InspectImage(ctx context.Context, ref string) (sandbox.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inspectErr != nil {
		return sandbox.Image{}, f.inspectErr
	}
	img, ok := f.images[ref]
	if !ok {
		return sandbox.Image{}, fmt.Errorf("inspect %s: %w", ref, errdefs.ErrNotFound)
	}
	return img, nil
}

func (f *fakeImageRuntime) BuildImage(ctx context.Context, buildContext io.Reader, ref string, labels map[string]string) (string, error) {
	if f.buildErr != nil {
		io.CopyN(io.Discard, buildContext, f.readBeforeFail)
		return "", f.buildErr
	}
	files := map[string]tarFile{}
	tr := tar.NewReader(buildContext)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading build context: %w", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", hdr.Name, err)
		}
		files[hdr.Name] = tarFile{mode: hdr.Mode, data: data}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Like the engine, the image gets the Dockerfile's labels and then these.
	imgLabels := dockerfileLabels(string(files["Dockerfile"].data))
	maps.Copy(imgLabels, labels)
	f.builds = append(f.builds, fakeBuild{ref: ref, labels: imgLabels, files: files})
	sum := sha256.Sum256([]byte(fmt.Sprint(ref, len(f.builds))))
	id := "sha256:" + hex.EncodeToString(sum[:])
	img := sandbox.Image{ID: id, Tags: []string{ref}, Labels: imgLabels, Size: int64(len(files["cattle"].data))}
	f.images[ref] = img
	f.images[id] = img
	return id, nil
}

// dockerfileLabels reads the k="v" pairs of a Dockerfile's LABEL lines.
func dockerfileLabels(dockerfile string) map[string]string {
	labels := map[string]string{}
	for _, line := range strings.Split(dockerfile, "\n") {
		rest, ok := strings.CutPrefix(line, "LABEL ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			if uq, err := strconv.Unquote(v); err == nil {
				v = uq
			}
			labels[k] = v
		}
	}
	return labels
}

func (f *fakeImageRuntime) buildCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.builds)
}

// writeBinary writes a stand-in for the cattle binary and returns its
// path and sha256.
func writeBinary(t *testing.T, content string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cattle")
	if err := os.WriteFile(path, []byte(content), 0o700); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	return path, hex.EncodeToString(sum[:])
}

func TestDemoImageBuildsFromTheBinary(t *testing.T) {
	rt := newFakeImageRuntime()
	content := strings.Repeat("\x7fELF static cattle ", 1000)
	bin, sum := writeBinary(t, content)

	img, err := DemoImage(context.Background(), rt, "ci-42", bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(rt.builds) != 1 {
		t.Fatalf("%d builds, want 1", len(rt.builds))
	}
	b := rt.builds[0]
	wantTag := "cattle-ci-42/builtin-demo:" + sum[:12]
	if b.ref != wantTag {
		t.Errorf("tag = %q, want %q", b.ref, wantTag)
	}
	wantLabels := map[string]string{
		"dev.cattle.image-sandbox":         "ci-42",
		"dev.cattle.role":                  "builtin-image",
		"dev.cattle.builtin-binary-sha256": sum,
	}
	for k, v := range wantLabels {
		if b.labels[k] != v {
			t.Errorf("image label %s = %q, want %q", k, b.labels[k], v)
		}
	}
	if len(b.files) != 2 {
		t.Errorf("build context has %d files, want Dockerfile and cattle", len(b.files))
	}
	if got := b.files["cattle"]; string(got.data) != content || got.mode != 0o755 {
		t.Errorf("cattle in the context: mode %o, %d bytes; want mode 755 and the binary's %d bytes", got.mode, len(got.data), len(content))
	}
	dockerfile := string(b.files["Dockerfile"].data)
	for _, line := range []string{
		"FROM scratch",
		"COPY cattle /cattle",
		`ENTRYPOINT ["/cattle", "demo-app"]`,
		"EXPOSE 8080",
		"ENV DEMO_VERSION=v1",
		`LABEL dev.cattle.image-sandbox="ci-42" dev.cattle.role="builtin-image" dev.cattle.builtin-binary-sha256="` + sum + `"`,
	} {
		if !strings.Contains(dockerfile, line+"\n") {
			t.Errorf("Dockerfile lacks %q:\n%s", line, dockerfile)
		}
	}
	if !strings.HasPrefix(dockerfile, "FROM scratch\n") {
		t.Errorf("Dockerfile does not start FROM scratch:\n%s", dockerfile)
	}
	if !strings.HasPrefix(img.ID, "sha256:") || img.ID != rt.images[wantTag].ID {
		t.Errorf("returned image %+v, want the built one %+v", img, rt.images[wantTag])
	}
}

func TestDemoImageReusesTheImageOfTheSameBinary(t *testing.T) {
	rt := newFakeImageRuntime()
	bin, _ := writeBinary(t, "binary one")
	first, err := DemoImage(context.Background(), rt, "sb", bin)
	if err != nil {
		t.Fatal(err)
	}
	second, err := DemoImage(context.Background(), rt, "sb", bin)
	if err != nil {
		t.Fatal(err)
	}
	if rt.buildCount() != 1 || second.ID != first.ID {
		t.Errorf("second call: %d builds, id %s then %s; want one build and the same id", rt.buildCount(), first.ID, second.ID)
	}

	// A new binary (cattle upgraded) is a new image beside the old one.
	newBin, newSum := writeBinary(t, "binary two")
	third, err := DemoImage(context.Background(), rt, "sb", newBin)
	if err != nil {
		t.Fatal(err)
	}
	if rt.buildCount() != 2 || third.ID == first.ID || rt.builds[1].ref != "cattle-sb/builtin-demo:"+newSum[:12] {
		t.Errorf("new binary: %d builds, id %s, tag %s", rt.buildCount(), third.ID, rt.builds[1].ref)
	}
}

func TestDemoImageSandboxesDoNotShareImages(t *testing.T) {
	rt := newFakeImageRuntime()
	bin, _ := writeBinary(t, "same binary")
	a, err := DemoImage(context.Background(), rt, "a", bin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := DemoImage(context.Background(), rt, "b", bin)
	if err != nil {
		t.Fatal(err)
	}
	if rt.buildCount() != 2 || a.Labels[sandbox.LabelImageSandbox] != "a" || b.Labels[sandbox.LabelImageSandbox] != "b" {
		t.Errorf("%d builds, labels %v and %v; want one image per sandbox, each labelled with it", rt.buildCount(), a.Labels, b.Labels)
	}
}

func TestDemoImageRebuildsATagThatHoldsAnotherBinary(t *testing.T) {
	rt := newFakeImageRuntime()
	bin, sum := writeBinary(t, "the real binary")
	tag := "cattle-sb/builtin-demo:" + sum[:12]
	rt.images[tag] = sandbox.Image{ID: "sha256:impostor", Tags: []string{tag}, Labels: map[string]string{sandbox.LabelImageSandbox: "sb"}}

	img, err := DemoImage(context.Background(), rt, "sb", bin)
	if err != nil {
		t.Fatal(err)
	}
	if rt.buildCount() != 1 || img.ID == "sha256:impostor" {
		t.Errorf("got %s after %d builds; want a fresh build", img.ID, rt.buildCount())
	}
}

func TestDemoImageConcurrentCallsBuildOnce(t *testing.T) {
	rt := newFakeImageRuntime()
	bin, _ := writeBinary(t, strings.Repeat("x", 1<<20))
	ids := make([]string, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			img, err := DemoImage(context.Background(), rt, "together", bin)
			ids[i], errs[i] = img.ID, err
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Errorf("call %d: %s, %v; want %s", i, ids[i], errs[i], ids[0])
		}
	}
	if n := rt.buildCount(); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}
}

func TestDemoImageReportsBuildFailures(t *testing.T) {
	for _, read := range []int64{0, 1000, 1 << 30} {
		t.Run(fmt.Sprintf("after reading %d bytes", read), func(t *testing.T) {
			rt := newFakeImageRuntime()
			rt.buildErr = errors.New("engine said no")
			rt.readBeforeFail = read
			bin, _ := writeBinary(t, strings.Repeat("y", 200_000))
			_, err := DemoImage(context.Background(), rt, "sb", bin)
			if err == nil || !strings.Contains(err.Error(), "engine said no") {
				t.Errorf("err = %v, want the engine's failure", err)
			}
		})
	}
}

func TestDemoImageReportsInspectFailures(t *testing.T) {
	rt := newFakeImageRuntime()
	rt.inspectErr = fmt.Errorf("engine down: %w", errdefs.ErrUnavailable)
	bin, _ := writeBinary(t, "bin")
	_, err := DemoImage(context.Background(), rt, "sb", bin)
	if !errors.Is(err, errdefs.ErrUnavailable) {
		t.Errorf("err = %v, want it to wrap ErrUnavailable", err)
	}
	if rt.buildCount() != 0 {
		t.Error("built although the engine could not be asked")
	}
}

func TestDemoImageRefusesBadInputs(t *testing.T) {
	bin, _ := writeBinary(t, "bin")
	for _, name := range []string{"", "Upper", "has space", "-lead", "trail-", "a/b", "x:y", strings.Repeat("a", 200)} {
		rt := newFakeImageRuntime()
		if _, err := DemoImage(context.Background(), rt, name, bin); err == nil || !strings.Contains(err.Error(), "sandbox name") {
			t.Errorf("sandbox %q: err = %v, want a sandbox name error", name, err)
		}
	}
	for _, name := range []string{"default", "ci-42", "a.b_c--d", "x1"} {
		if err := checkSandboxName(name); err != nil {
			t.Errorf("sandbox %q refused: %v", name, err)
		}
	}

	missing := filepath.Join(t.TempDir(), "nope")
	_, err := DemoImage(context.Background(), newFakeImageRuntime(), "sb", missing)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing binary: err = %v, want not-exist naming the path", err)
	}
	if _, err := DemoImage(context.Background(), newFakeImageRuntime(), "sb", t.TempDir()); err == nil {
		t.Error("a directory as the binary: no error")
	}
}

func TestDemoImageBuildFailsIfTheBinaryChanged(t *testing.T) {
	path, sum := writeBinary(t, "original")
	bin, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer bin.Close()
	info, err := bin.Stat()
	if err != nil {
		t.Fatal(err)
	}
	// The file now differs from the hash the tag was made from.
	if err := os.WriteFile(path, []byte("modified"), 0o700); err != nil {
		t.Fatal(err)
	}
	rt := newFakeImageRuntime()
	_, err = buildDemoImage(context.Background(), rt, bin, info, sum, "cattle-sb/builtin-demo:x", map[string]string{}, nil)
	if err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("err = %v, want the binary-changed error", err)
	}
	if rt.buildCount() != 0 {
		t.Error("the engine got a complete build context holding the wrong binary")
	}
}

// --- against the real engine ---

func TestIntegrationDemoImage(t *testing.T) {
	testutil.SkipIfShort(t)
	ctx := context.Background()
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	if _, err := rt.Info(ctx); err != nil {
		t.Fatalf("no Docker engine: %v", err)
	}
	bin := testutil.CattleBinary(t)
	sandboxName := "itest-demo-" + randomHex(t)

	start := time.Now()
	img, err := DemoImage(ctx, rt, sandboxName, bin)
	built := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.RemoveImage(context.Background(), img.ID); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("removing the demo image: %v", err)
		}
	})
	t.Logf("DemoImage built %s (%d MB) in %s", img.ID[:19], img.Size>>20, built)

	if !strings.HasPrefix(img.ID, "sha256:") {
		t.Errorf("image id %q is not a content id", img.ID)
	}
	if img.Labels[sandbox.LabelImageSandbox] != sandboxName || img.Labels[sandbox.LabelRole] != RoleBuiltinImage ||
		len(img.Labels[LabelBuiltinBinarySHA256]) != 64 {
		t.Errorf("image labels = %v", img.Labels)
	}
	wantTag := "cattle-" + sandboxName + "/builtin-demo:" + img.Labels[LabelBuiltinBinarySHA256][:12]
	if !slices.Contains(img.Tags, wantTag) {
		t.Errorf("image tags = %v, want %s", img.Tags, wantTag)
	}

	start = time.Now()
	again, err := DemoImage(ctx, rt, sandboxName, bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DemoImage again (reused) in %s", time.Since(start))
	if again.ID != img.ID {
		t.Errorf("second call gave %s, want the same image %s", again.ID, img.ID)
	}
	if imgs, err := rt.ListImages(ctx, map[string]string{sandbox.LabelImageSandbox: sandboxName}); err != nil || len(imgs) != 1 {
		t.Errorf("images of the sandbox = %d (%v), want 1: the second call must not build", len(imgs), err)
	}

	t.Run("serves its version", func(t *testing.T) { checkServesVersion(t, ctx, rt, img, sandboxName) })

	t.Run("default version is v1", func(t *testing.T) {
		c := runDemo(t, rt, img.ID, sandboxName)
		waitForHTTP(t, c.url+"/healthz")
		resp, err := http.Get(c.url + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if v := resp.Header.Get("X-Demo-Version"); v != "v1" {
			t.Errorf("X-Demo-Version = %q, want the image's v1", v)
		}
	})

	t.Run("failing health", func(t *testing.T) {
		c := runDemo(t, rt, img.ID, sandboxName, "DEMO_FAIL_HEALTH=1")
		if status, body := waitForHTTP(t, c.url+"/healthz"); status != http.StatusServiceUnavailable {
			t.Errorf("/healthz = %d %q, want 503", status, body)
		}
	})

	t.Run("crash", func(t *testing.T) { checkCrash(t, ctx, rt, img, sandboxName) })
}

// checkCrash asserts /admin/crash ends the container with a non-zero code.
func checkCrash(t *testing.T, ctx context.Context, rt *docker.Runtime, img sandbox.Image, sandboxName string) {
	c := runDemo(t, rt, img.ID, sandboxName)
	waitForHTTP(t, c.url+"/healthz")
	resp, err := http.Post(c.url+"/admin/crash", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var got sandbox.Container
	poll(t, "the container to exit", func() bool {
		got, err = rt.Inspect(ctx, c.id)
		return err == nil && got.State == sandbox.StateExited
	})
	if got.ExitCode == 0 {
		t.Error("exit code 0 after /admin/crash, want non-zero")
	}
}

// checkServesVersion runs the demo image and asserts what a user sees: health,
// its version and identity, faults that leave the filesystem alone, the
// self-test, and a clean stop.
func checkServesVersion(t *testing.T, ctx context.Context, rt *docker.Runtime, img sandbox.Image, sandboxName string) {
	c := runDemo(t, rt, img.ID, sandboxName, "DEMO_VERSION=v7", "CATTLE_INSTANCE_ID=i-0itest", "CATTLE_ZONE=zone-b")
	status, body := waitForHTTP(t, c.url+"/healthz")
	if status != http.StatusOK || body != "ok" {
		t.Errorf("/healthz = %d %q, want 200 ok", status, body)
	}
	resp, err := http.Get(c.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var root map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&root); err != nil {
		t.Fatalf("GET /: %v", err)
	}
	if resp.StatusCode != http.StatusOK || root["version"] != "v7" || root["instance_id"] != "i-0itest" ||
		root["zone"] != "zone-b" || root["hostname"] == "" || resp.Header.Get("X-Demo-Version") != "v7" {
		t.Errorf("GET / = %d %v (X-Demo-Version %q)", resp.StatusCode, root, resp.Header.Get("X-Demo-Version"))
	}

	// Turning a fault on and off writes nothing to the container's
	// filesystem, or drift detection would flag every demo instance.
	resp, err = http.Post(c.url+"/admin/latency", "application/json", strings.NewReader(`{"latency":"10ms"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// A bake's test runs the self-test inside the image.
	res, err := rt.Exec(ctx, c.id, []string{"/cattle", "demo-app", "--self-test"})
	if err != nil || res.ExitCode != 0 {
		t.Errorf("--self-test in the container: exit %d (%v): %s", res.ExitCode, err, res.Output)
	}
	logs, err := rt.Logs(ctx, c.id, 0)
	if err != nil || !bytes.Contains(logs, []byte("listening on")) || !bytes.Contains(logs, []byte("latency=10ms")) {
		t.Errorf("container logs (%v) lack the start and fault lines:\n%s", err, logs)
	}
	changes, err := rt.Changes(ctx, c.id)
	if err != nil || len(changes) != 0 {
		t.Errorf("container filesystem changes = %v (%v), want none", changes, err)
	}

	// docker stop ends it cleanly: exit 0, not the kill after the timeout.
	if err := rt.Stop(ctx, c.id, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	got, err := rt.Inspect(ctx, c.id)
	if err != nil || got.State != sandbox.StateExited || got.ExitCode != 0 {
		t.Errorf("after stop: state %s exit %d (%v), want exited 0", got.State, got.ExitCode, err)
	}
}

type demoContainer struct {
	id  string
	url string
}

// runDemo starts a container of the demo image publishing 8080 on
// 127.0.0.1 and removes it when the test ends.
func runDemo(t *testing.T, rt sandbox.Runtime, image, sandboxName string, env ...string) demoContainer {
	t.Helper()
	ctx := context.Background()
	id, err := rt.Create(ctx, sandbox.ContainerSpec{
		Image:  image,
		Env:    env,
		Labels: map[string]string{sandbox.LabelSandbox: sandboxName, sandbox.LabelRole: "test"},
		Port:   8080,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Remove(context.Background(), id, true); err != nil {
			t.Errorf("removing container %s: %v", id, err)
		}
	})
	if err := rt.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	var c sandbox.Container
	poll(t, "the published port", func() bool {
		c, err = rt.Inspect(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.HostPort != 0
	})
	return demoContainer{id: id, url: fmt.Sprintf("http://127.0.0.1:%d", c.HostPort)}
}

// waitForHTTP polls url until the app answers at all, and returns that answer.
func waitForHTTP(t *testing.T, url string) (int, string) {
	t.Helper()
	var status int
	var body []byte
	poll(t, "an answer from "+url, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		body, _ = io.ReadAll(resp.Body)
		return true
	})
	return status, string(body)
}

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
