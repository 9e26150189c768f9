package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cattle-dev/cattle/store"
)

// testRegistry serves a registry over real HTTP with a real state file.
type testRegistry struct {
	*Registry
	url    string
	db     *store.DB
	mu     sync.Mutex
	events []Event
}

func startRegistry(t *testing.T, dir string) *testRegistry {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &testRegistry{db: db}
	reg, err := New(context.Background(), Config{Dir: dir, DB: db, OnEvent: func(e Event) {
		tr.mu.Lock()
		tr.events = append(tr.events, e)
		tr.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg)
	t.Cleanup(func() {
		srv.Close()
		_ = reg.Close()
		_ = db.Close()
	})
	tr.Registry, tr.url = reg, srv.URL
	return tr
}

func (tr *testRegistry) recorded() []Event {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]Event(nil), tr.events...)
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

// pushBlob uploads b: a POST opens the upload, one PUT completes it.
func (tr *testRegistry) pushBlob(t *testing.T, repo string, b []byte) string {
	t.Helper()
	d := digestOf(b)
	resp, err := http.Post(tr.url+"/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload start answered %d, want 202", resp.StatusCode)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	q.Set("digest", d)
	loc.RawQuery = q.Encode()
	req, _ := http.NewRequest(http.MethodPut, loc.String(), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("blob upload answered %d, want 201", resp.StatusCode)
	}
	return d
}

// image pushes a config and a layer holding content and returns the
// manifest that references them (not yet pushed).
func (tr *testRegistry) image(t *testing.T, repo, content string) []byte {
	t.Helper()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layer := []byte(content)
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json",
			"digest": tr.pushBlob(t, repo, config), "size": len(config)},
		"layers": []map[string]any{{"mediaType": "application/vnd.oci.image.layer.v1.tar",
			"digest": tr.pushBlob(t, repo, layer), "size": len(layer)}},
	}
	b, _ := json.Marshal(m)
	return b
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (tr *testRegistry) do(t *testing.T, method, path string, body []byte) answer {
	t.Helper()
	req, _ := http.NewRequest(method, tr.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	req.Header.Set("Accept", manifestTypes)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func (tr *testRegistry) putManifest(t *testing.T, repo, ref string, m []byte) answer {
	return tr.do(t, http.MethodPut, "/v2/"+repo+"/manifests/"+ref, m)
}

func TestPushRecordsRepositoryAndEvent(t *testing.T) {
	tr := startRegistry(t, t.TempDir())
	m := tr.image(t, "web", "hello")
	if a := tr.putManifest(t, "web", "v1", m); a.status != http.StatusCreated {
		t.Fatalf("manifest push answered %d %s, want 201", a.status, a.body)
	}
	got := tr.do(t, http.MethodGet, "/v2/web/manifests/v1", nil)
	if got.status != http.StatusOK || got.body != string(m) {
		t.Fatalf("pull answered %d %q, want 200 and the pushed manifest", got.status, got.body)
	}
	if cat := tr.do(t, http.MethodGet, "/v2/_catalog", nil); cat.status != http.StatusOK || cat.body != `{"repositories":["web"]}`+"\n" {
		t.Fatalf("catalog answered %d %q, want the pushed repository listed", cat.status, cat.body)
	}
	repo, err := tr.Repositories().Get(context.Background(), "web")
	if err != nil || repo.Immutable {
		t.Fatalf("repository record after a push: %+v, %v; want a mutable record", repo, err)
	}
	evs := tr.recorded()
	want := int64(len(m)) + int64(len(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)) + 5
	if len(evs) != 1 || evs[0].Action != ActionPush || evs[0].Repository != "web" || evs[0].Tag != "v1" ||
		evs[0].Digest != digestOf(m) || evs[0].Size != want || evs[0].Time.IsZero() {
		t.Fatalf("events %+v, want one push of web:v1 %s of %d bytes", evs, digestOf(m), want)
	}
	// A mutable tag moves.
	if a := tr.putManifest(t, "web", "v1", tr.image(t, "web", "hello again")); a.status != http.StatusCreated {
		t.Fatalf("second push into a mutable repository answered %d %s, want 201", a.status, a.body)
	}
}

func TestImmutableRepositoryRefusesAnExistingTag(t *testing.T) {
	tr := startRegistry(t, t.TempDir())
	if _, err := tr.Repositories().Create(context.Background(), "team/app", true); err != nil {
		t.Fatal(err)
	}
	first := tr.image(t, "team/app", "one")
	if a := tr.putManifest(t, "team/app", "v1", first); a.status != http.StatusCreated {
		t.Fatalf("first push answered %d %s", a.status, a.body)
	}
	for name, m := range map[string][]byte{"another image": tr.image(t, "team/app", "two"), "the same image": first} {
		a := tr.putManifest(t, "team/app", "v1", m)
		var body struct {
			Errors []struct{ Code, Message string }
		}
		_ = json.Unmarshal([]byte(a.body), &body)
		if a.status != http.StatusBadRequest || len(body.Errors) != 1 || body.Errors[0].Code != ErrorCodeTagExists ||
			!strings.Contains(body.Errors[0].Message, "'v1'") || !strings.Contains(body.Errors[0].Message, "'team/app'") {
			t.Errorf("push of %s to an existing immutable tag answered %d %s, want 400 %s naming v1 and team/app",
				name, a.status, a.body, ErrorCodeTagExists)
		}
	}
	if got := tr.do(t, http.MethodHead, "/v2/team/app/manifests/v1", nil); got.header.Get("Docker-Content-Digest") != digestOf(first) {
		t.Fatalf("v1 now names %s, want the first image %s", got.header.Get("Docker-Content-Digest"), digestOf(first))
	}
	second := tr.image(t, "team/app", "three")
	if a := tr.putManifest(t, "team/app", "v2", second); a.status != http.StatusCreated {
		t.Fatalf("push of a new tag answered %d %s, want 201", a.status, a.body)
	}
	if a := tr.putManifest(t, "team/app", digestOf(second), second); a.status != http.StatusCreated {
		t.Fatalf("push by digest answered %d %s, want 201", a.status, a.body)
	}
	// Deleting the tag frees it, as BatchDeleteImage does in ECR.
	if a := tr.do(t, http.MethodDelete, "/v2/team/app/manifests/v1", nil); a.status != http.StatusAccepted {
		t.Fatalf("tag delete answered %d %s, want 202", a.status, a.body)
	}
	if a := tr.putManifest(t, "team/app", "v1", second); a.status != http.StatusCreated {
		t.Fatalf("push of a deleted tag answered %d %s, want 201", a.status, a.body)
	}
	var deletes []Event
	for _, e := range tr.recorded() {
		if e.Action == ActionDelete {
			deletes = append(deletes, e)
		}
	}
	if len(deletes) != 1 || deletes[0].Tag != "v1" || deletes[0].Digest != digestOf(first) {
		t.Fatalf("delete events %+v, want one of team/app:v1 %s", deletes, digestOf(first))
	}
}

func TestMalformedManifestGetsTheRegistryError(t *testing.T) {
	tr := startRegistry(t, t.TempDir())
	a := tr.putManifest(t, "web", "bad", []byte(`{"schemaVersion": 2, "config": `))
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "MANIFEST_INVALID") {
		t.Fatalf("malformed manifest answered %d %s, want 400 MANIFEST_INVALID", a.status, a.body)
	}
	if len(tr.recorded()) != 0 {
		t.Fatalf("a refused push made events: %+v", tr.recorded())
	}
	if a := tr.do(t, http.MethodGet, "/v2/", nil); a.status != http.StatusOK {
		t.Fatalf("/v2/ answered %d after a malformed push, want 200", a.status)
	}
}

func TestRepositoryDeleteRefusesTaggedImagesUnlessForced(t *testing.T) {
	tr := startRegistry(t, t.TempDir())
	ctx := context.Background()
	if a := tr.putManifest(t, "web", "v1", tr.image(t, "web", "x")); a.status != http.StatusCreated {
		t.Fatalf("push answered %d", a.status)
	}
	if err := tr.Repositories().Delete(ctx, "web", false); err == nil || !strings.Contains(err.Error(), "v1") {
		t.Fatalf("delete of a repository holding web:v1 returned %v, want a refusal naming v1", err)
	}
	if err := tr.Repositories().Delete(ctx, "web", true); err != nil {
		t.Fatal(err)
	}
	if a := tr.do(t, http.MethodGet, "/v2/web/manifests/v1", nil); a.status != http.StatusNotFound {
		t.Fatalf("web:v1 answered %d after the repository was deleted, want 404", a.status)
	}
	if _, err := tr.Repositories().Get(ctx, "web"); err == nil {
		t.Fatal("the repository record survived its deletion")
	}
}

func TestContentSurvivesReopening(t *testing.T) {
	dir := t.TempDir()
	tr := startRegistry(t, dir)
	m := tr.image(t, "web", "kept")
	if a := tr.putManifest(t, "web", "v1", m); a.status != http.StatusCreated {
		t.Fatalf("push answered %d", a.status)
	}
	again := startRegistry(t, dir)
	if a := again.do(t, http.MethodGet, "/v2/web/manifests/v1", nil); a.status != http.StatusOK || a.body != string(m) {
		t.Fatalf("a registry reopened on the same directory answered %d %q, want the manifest", a.status, a.body)
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"web", "team/web", "a.b_c-d", "a__b"} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "Web", "web/", "/web", "a/../b", "-web", "web:v1"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("ValidateName(%q) = nil, want an error", bad)
		}
	}
}
