package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
)

// FuzzRequestBody sends any body to every route that reads one: whatever
// the body, the API answers without panicking and never with a 5xx. The
// routes are read from the source, so a new one is fuzzed too.
func FuzzRequestBody(f *testing.F) {
	cp := newControlPlane(f)
	srv := newAPIServer(f, cp)
	existing := seed(f, srv.client)
	var routes []route
	for _, r := range apiRoutes(f) {
		if r.readsBody {
			routes = append(routes, r)
		}
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].String() < routes[j].String() })
	for i, r := range routes {
		s := sampleBodies[r.String()]
		for _, b := range append(append([]string{s.sample}, s.extra...), mutations(f, s.sample)...) {
			f.Add(uint8(i), []byte(b))
		}
		for _, b := range badBodies {
			if len(b) < 1024 {
				f.Add(uint8(i), []byte(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		r := routes[int(which)%len(routes)]
		req := httptest.NewRequest(r.method, fillPath(r.pattern, existingValue(r, existing)), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		cp.handler.ServeHTTP(rec, req)
		if rec.Code >= http.StatusInternalServerError {
			t.Fatalf("%s with body %q: answered %d: %s", r, body, rec.Code, rec.Body)
		}
	})
}
