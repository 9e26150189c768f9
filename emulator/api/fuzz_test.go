package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
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

// FuzzQueryAndPath holds every route to no panic and no 5xx whatever its
// path values and query string hold (the query parameters are read by
// hand, the path values are names and ids a user types).
func FuzzQueryAndPath(f *testing.F) {
	cp := newControlPlane(f)
	srv := newAPIServer(f, cp)
	existing := seed(f, srv.client)
	routes := apiRoutes(f)
	sort.Slice(routes, func(i, j int) bool { return routes[i].String() < routes[j].String() })
	for i, r := range routes {
		known := ""
		if w := r.wildcards(); len(w) > 0 {
			known = existingValue(r, existing)(w[0])
		}
		f.Add(uint8(i), known, "")
		for _, q := range r.query {
			for _, v := range []string{"-5", "1e99", "99999999999999999999", "1h", "-1s", "true", "%zz", ""} {
				f.Add(uint8(i), known, q+"="+v)
			}
		}
		f.Add(uint8(i), "../../v1/shutdown", "purge=true")
		f.Add(uint8(i), "\x00", "a=b&a=c")
	}
	f.Fuzz(func(t *testing.T, which uint8, value, query string) {
		r := routes[int(which)%len(routes)]
		u := url.URL{Path: fillPath(r.pattern, func(string) string { return value }), RawQuery: query}
		req, err := http.NewRequest(r.method, u.String(), strings.NewReader("{}"))
		if err != nil {
			return // not a request a client can send
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		cp.handler.ServeHTTP(rec, req)
		if rec.Code >= http.StatusInternalServerError {
			t.Fatalf("%s as %s: answered %d: %s", r, u.String(), rec.Code, rec.Body)
		}
	})
}
