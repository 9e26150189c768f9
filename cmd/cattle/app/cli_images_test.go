package app_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

// registries holds, per test daemon's dir, the fake engine and the
// address of its registry, for tests that push.
var registries sync.Map

type testRegistry struct {
	rt   *sandboxtest.Fake
	addr string
}

// newCatalog serves a registry on loopback for the CLI's daemon and
// returns the catalog over it (the fake engine pushes to it over HTTP).
func newCatalog(t *testing.T, dir string, db *store.DB, rt *sandboxtest.Fake, comp *compute.Service) (*images.Catalog, *registry.Registry) {
	t.Helper()
	var cat *images.Catalog
	reg, err := registry.New(context.Background(), registry.Config{Dir: filepath.Join(dir, "registry"), DB: db,
		OnEvent: func(e registry.Event) { cat.RegistryEvent(e) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	reg.SetAddr(addr)
	bin := filepath.Join(dir, "cattle-bin")
	if err := os.WriteFile(bin, []byte("not a real binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	cat = images.NewCatalog(db, rt, "cli", bin, reg)
	cat.SetInUse(comp.ImageUsers)
	registries.Store(dir, testRegistry{rt: rt, addr: addr})
	return cat, reg
}

// pushImage pushes a new image as repo:tag, as docker push would.
func pushImage(t *testing.T, dir, repo, tag string) {
	t.Helper()
	v, _ := registries.Load(dir)
	r := v.(testRegistry)
	ctx := context.Background()
	img := r.rt.AddImage("local/"+repo+":"+tag, nil)
	target := r.addr + "/" + repo + ":" + tag
	if err := r.rt.ImageTag(ctx, img.ID, target); err != nil {
		t.Fatal(err)
	}
	if err := r.rt.ImagePush(ctx, target); err != nil {
		t.Fatal(err)
	}
}

func TestCLIImages(t *testing.T) {
	dir := startDaemon(t)
	pushImage(t, dir, "web", "v1")
	pushImage(t, dir, "web", "v2")

	var items []map[string]any
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "images", "ls", "-o", "json")), &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("images ls -o json: %d items, want 2", len(items))
	}
	for _, k := range []string{"repository", "tags", "digest", "size", "state", "pushed_at"} {
		if _, ok := items[0][k]; !ok {
			t.Errorf("images ls -o json item lacks %q: has %v", k, slices.Sorted(maps.Keys(items[0])))
		}
	}
	out := mustCattle(t, dir, "images", "ls")
	if !strings.Contains(out, "REPOSITORY") || !strings.Contains(out, "v1") || !strings.Contains(out, "available") {
		t.Errorf("images ls:\n%s", out)
	}
	mustCattle(t, dir, "images", "deprecate", "web:v1")
	if out := mustCattle(t, dir, "images", "ls"); strings.Contains(out, "v1") {
		t.Errorf("images ls shows the deprecated web:v1:\n%s", out)
	}
	if out := mustCattle(t, dir, "images", "ls", "--all"); !strings.Contains(out, "v1") || !strings.Contains(out, "deprecated") {
		t.Errorf("images ls --all hides the deprecated web:v1:\n%s", out)
	}
	if out := mustCattle(t, dir, "images", "inspect", "web:v2"); !strings.Contains(out, "sha256:") {
		t.Errorf("images inspect:\n%s", out)
	}
	if out := mustCattle(t, dir, "images", "rm", "web:v1"); !strings.Contains(out, "deregistered") {
		t.Errorf("images rm:\n%s", out)
	}
	if code, _, errOut := cattle(t, dir, "images", "inspect", "web:v9"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("inspect of a missing image: exit %d, %s", code, errOut)
	}
}

func TestCLIReposLifecycleAndPrune(t *testing.T) {
	dir := startDaemon(t)
	for _, tag := range []string{"v1", "v2", "v3"} {
		pushImage(t, dir, "web", tag)
	}
	policy := filepath.Join(t.TempDir(), "policy.json")
	bad := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`
	if err := os.WriteFile(policy, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cattle(t, dir, "repos", "lifecycle", "web", "--file", policy); code != 2 || !strings.Contains(errOut, "tagPrefixList") {
		t.Errorf("a policy without tagPrefixList: exit %d, %s; want 2 naming tagPrefixList", code, errOut)
	}
	good := strings.Replace(bad, `"tagged"`, `"any"`, 1)
	if err := os.WriteFile(policy, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := mustCattle(t, dir, "repos", "lifecycle", "web", "--file", policy); !strings.Contains(out, "lifecycle policy set (1 rules)") {
		t.Errorf("repos lifecycle:\n%s", out)
	}
	if out := mustCattle(t, dir, "repos", "lifecycle", "web"); !strings.Contains(out, `"countNumber": 1`) {
		t.Errorf("repos lifecycle without --file:\n%s", out)
	}
	if out := mustCattle(t, dir, "images", "prune", "--dry-run"); !strings.Contains(out, "2 images would expire") {
		t.Errorf("images prune --dry-run:\n%s", out)
	}
	if out := mustCattle(t, dir, "images", "ls"); strings.Count(out, "web") != 3 {
		t.Errorf("a dry run removed images:\n%s", out)
	}
}
