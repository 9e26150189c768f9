package demoapp

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the app logs into it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testApp is an app behind an httptest server whose crash hook records
// instead of exiting.
type testApp struct {
	*app
	srv     *httptest.Server
	logs    *syncBuffer
	crashes chan string
}

func newTestApp(t *testing.T, cfg config) *testApp {
	t.Helper()
	if cfg.version == "" {
		cfg.version = "v1"
	}
	logs := &syncBuffer{}
	crashes := make(chan string, 4)
	a := newApp(cfg, log.New(logs, "", 0), func(reason string) { crashes <- reason })
	srv := httptest.NewServer(a.handler())
	t.Cleanup(srv.Close)
	return &testApp{app: a, srv: srv, logs: logs, crashes: crashes}
}

// do sends a request and returns the status, headers and body.
func (ta *testApp) do(t *testing.T, method, path, body string) (int, http.Header, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ta.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ta.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// faults reads GET /admin/faults.
func (ta *testApp) faultsNow(t *testing.T) faultsAnswer {
	t.Helper()
	status, _, body := ta.do(t, http.MethodGet, "/admin/faults", "")
	if status != http.StatusOK {
		t.Fatalf("GET /admin/faults: %d %s", status, body)
	}
	var f faultsAnswer
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("GET /admin/faults: %v in %q", err, body)
	}
	return f
}

// envMap turns a map into a getenv function.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func fixedHostname() (string, error) { return "host-1", nil }

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
