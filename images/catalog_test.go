package images

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

// testCatalog is a catalog over a real registry served on loopback, which
// the fake engine pushes to and pulls from over HTTP.
type testCatalog struct {
	*Catalog
	rt       *sandboxtest.Fake
	reg      *registry.Registry
	addr     string
	blobGETs atomic.Int32
	// muted drops the registry's events, as a daemon that died before
	// recording them would.
	muted atomic.Bool
}

func newTestCatalog(t *testing.T) *testCatalog {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tc := &testCatalog{rt: sandboxtest.New()}
	reg, err := registry.New(context.Background(), registry.Config{Dir: filepath.Join(dir, "registry"), DB: db,
		OnEvent: func(e registry.Event) {
			if !tc.muted.Load() {
				tc.RegistryEvent(e)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
			tc.blobGETs.Add(1)
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tc.reg, tc.addr = reg, strings.TrimPrefix(srv.URL, "http://")
	reg.SetAddr(tc.addr)
	bin := filepath.Join(dir, "cattle")
	if err := os.WriteFile(bin, []byte("not a real binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	tc.Catalog = NewCatalog(db, tc.rt, "unit", bin, reg)
	return tc
}

// push pushes a new engine image into the registry as repo:tag, as
// `docker push` does, and returns its manifest digest.
func (tc *testCatalog) push(t *testing.T, repo, tag string) string {
	t.Helper()
	ctx := context.Background()
	img := tc.rt.AddImage("local/"+repo+":"+tag+"-"+time.Now().Format("150405.000000000"), nil)
	target := tc.addr + "/" + repo + ":" + tag
	if err := tc.rt.ImageTag(ctx, img.ID, target); err != nil {
		t.Fatal(err)
	}
	if err := tc.rt.ImagePush(ctx, target); err != nil {
		t.Fatal(err)
	}
	digest, _, err := tc.reg.ManifestDigest(ctx, repo, tag)
	if err != nil {
		t.Fatal(err)
	}
	return digest
}

func TestResolvePushesAnEngineImageIntoTheRegistryOnce(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	tc.rt.AddImage("busybox:1.36", nil)
	r, err := tc.Resolve(ctx, "busybox:1.36")
	if err != nil {
		t.Fatal(err)
	}
	if r.Repository != "busybox" || !strings.HasPrefix(r.Digest, "sha256:") {
		t.Fatalf("resolved %+v, want busybox@sha256:...", r)
	}
	if got, _, err := tc.reg.ManifestDigest(ctx, "busybox", "1.36"); err != nil || got != r.Digest {
		t.Fatalf("registry holds busybox:1.36 as %q (%v), want %s", got, err, r.Digest)
	}
	pushes := tc.rt.CallCount("ImagePush")
	// Now the registry holds it: looked up there, not pushed again; the
	// registry's address in front names the same image.
	for _, ref := range []string{"busybox:1.36", tc.addr + "/busybox:1.36", "busybox@" + r.Digest} {
		again, err := tc.Resolve(ctx, ref)
		if err != nil || again != r {
			t.Fatalf("Resolve(%s) = %+v, %v; want %+v", ref, again, err, r)
		}
	}
	if tc.rt.CallCount("ImagePush") != pushes {
		t.Fatalf("pushed again: %d pushes, want %d", tc.rt.CallCount("ImagePush"), pushes)
	}
	img, err := tc.Get(ctx, "busybox:1.36")
	if err != nil || img.State != StateAvailable || img.Digest != r.Digest || img.Size == 0 || img.PushedAt.IsZero() {
		t.Fatalf("catalog record %+v, %v", img, err)
	}
}

func TestResolveOfAnUnknownImageIsNotFound(t *testing.T) {
	tc := newTestCatalog(t)
	for _, ref := range []string{"nope:1", "127.0.0.1:1/nope:1"} {
		if _, err := tc.Resolve(context.Background(), ref); !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("Resolve(%s): %v, want not found", ref, err)
		}
	}
	if _, err := tc.Resolve(context.Background(), tc.addr+"/nope:1"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Resolve of a registry ref it lacks: %v, want not found", err)
	}
}

func TestAMovedTagDoesNotChangeWhatWasResolved(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	first := tc.push(t, "web", "stable")
	r1, err := tc.Resolve(ctx, "web:stable")
	if err != nil || r1.Digest != first {
		t.Fatalf("resolved %+v (%v), want %s", r1, err, first)
	}
	second := tc.push(t, "web", "stable")
	if second == first {
		t.Fatal("the second push made the same manifest")
	}
	r2, _ := tc.Resolve(ctx, "web:stable")
	if r2.Digest != second {
		t.Fatalf("after the tag moved: %s, want %s", r2.Digest, second)
	}
	// The first image keeps launching by its digest; its record lost the tag.
	if ref, err := tc.LaunchRef(ctx, r1); err != nil || ref != tc.addr+"/web@"+first {
		t.Fatalf("LaunchRef of the first = %q, %v", ref, err)
	}
	old, err := tc.Get(ctx, "web@"+first)
	if err != nil || len(old.Tags) != 0 || old.State != StateAvailable {
		t.Fatalf("the first image's record %+v, %v: want available and untagged", old, err)
	}
}

func TestLaunchingAnImageTheEngineHasFetchesNoBlob(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	tc.push(t, "web", "v1")
	r, err := tc.Resolve(ctx, "web:v1")
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := tc.LaunchRef(ctx, r)
	before := tc.blobGETs.Load()
	// What compute does: pull only when the engine lacks the reference.
	if _, err := tc.rt.InspectImage(ctx, ref); errors.Is(err, errdefs.ErrNotFound) {
		if err := tc.rt.ImagePull(ctx, ref); err != nil {
			t.Fatal(err)
		}
	}
	if got := tc.blobGETs.Load() - before; got != 0 {
		t.Fatalf("%d blob GETs for an image the engine has, want 0", got)
	}
	// The count does see a transfer: an engine without the image pulls it.
	if err := tc.rt.RemoveImage(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if err := tc.rt.ImagePull(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if tc.blobGETs.Load() == before {
		t.Fatal("a pull into an engine without the image fetched no blob")
	}
}

func TestCatalogFollowsTheRegistry(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	d := tc.push(t, "web", "v1")
	imgs, err := tc.List(ctx, false)
	if err != nil || len(imgs) != 1 {
		t.Fatalf("List = %+v, %v", imgs, err)
	}
	if i := imgs[0]; i.Repository != "web" || !slices.Equal(i.Tags, []string{"v1"}) || i.Digest != d || i.State != StateAvailable {
		t.Fatalf("record %+v", i)
	}
	if err := tc.reg.DeleteManifest(ctx, "web", d); err != nil {
		t.Fatal(err)
	}
	img, _ := tc.Get(ctx, "web@"+d)
	if img.State != StateDeregistered {
		t.Fatalf("after a delete the record is %s, want deregistered", img.State)
	}
	if imgs, _ := tc.List(ctx, false); len(imgs) != 0 {
		t.Fatalf("ls shows a deregistered image: %+v", imgs)
	}
}

func TestDeprecatedImagesLaunchButAreHidden(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	tc.push(t, "web", "v1")
	if _, err := tc.Deprecate(ctx, "web:v1", true); err != nil {
		t.Fatal(err)
	}
	if imgs, _ := tc.List(ctx, false); len(imgs) != 0 {
		t.Fatalf("ls shows a deprecated image: %+v", imgs)
	}
	if imgs, _ := tc.List(ctx, true); len(imgs) != 1 || !imgs[0].Deprecated {
		t.Fatalf("ls --all = %+v, want the deprecated image", imgs)
	}
	if _, err := tc.Resolve(ctx, "web:v1"); err != nil {
		t.Fatalf("a deprecated image must still resolve: %v", err)
	}
}

func TestRemoveRefusesAnImageInUseAndDeregisters(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	d := tc.push(t, "web", "v1")
	users := []string{"template web version 1"}
	tc.SetInUse(func(ctx context.Context, repo, digest string) ([]string, error) {
		if repo == "web" && digest == d {
			return users, nil
		}
		return nil, nil
	})
	_, err := tc.Remove(ctx, "web:v1")
	if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "template web version 1") {
		t.Fatalf("Remove of an image in use: %v, want a conflict naming the template version", err)
	}
	if _, _, err := tc.reg.ManifestDigest(ctx, "web", "v1"); err != nil {
		t.Fatalf("the refused removal removed the manifest: %v", err)
	}
	users = nil
	img, err := tc.Remove(ctx, "web:v1")
	if err != nil || img.State != StateDeregistered {
		t.Fatalf("Remove = %+v, %v", img, err)
	}
	if _, err := tc.LaunchRef(ctx, Resolved{Repository: "web", Digest: d}); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("LaunchRef of a deregistered image: %v, want a conflict", err)
	}
	if _, err := tc.Resolve(ctx, "web:v1"); err == nil {
		t.Fatal("a removed image still resolves")
	}
}

func TestRecordBake(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := tc.RecordBake(ctx, BakeOutcome{Repository: "web", Tags: []string{"v2"}, State: StateFailed,
		Log: "step 2: exit status 1", Started: start, Finished: start.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := tc.List(ctx, true)
	if len(all) != 1 || all[0].State != StateFailed || len(all[0].Tags) != 0 || all[0].Log != "step 2: exit status 1" {
		t.Fatalf("failed bake record %+v", all)
	}
	if img, err := tc.Get(ctx, all[0].Key); err != nil || img.Log == "" {
		t.Fatalf("Get(%s) = %+v, %v", all[0].Key, img, err)
	}
	d := tc.push(t, "web", "v2")
	err = tc.RecordBake(ctx, BakeOutcome{Repository: "web", Tags: []string{"v2"}, Digest: d, Size: 10, State: StateAvailable,
		Labels: map[string]string{"bake": "web"}, Started: start, Finished: start.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	img, err := tc.Get(ctx, "web:v2")
	if err != nil || img.Digest != d || img.Labels["bake"] != "web" || img.BakeEnd == nil {
		t.Fatalf("baked record %+v, %v", img, err)
	}
	if err := tc.RecordBake(ctx, BakeOutcome{Repository: "web", State: StateAvailable}); !errors.Is(err, errdefs.ErrInvalid) {
		t.Fatalf("an available bake without digest: %v, want invalid", err)
	}
}
