package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// badRequest is one request a user could send that cannot succeed.
type badRequest struct {
	method, path, body string
}

func (b badRequest) String() string {
	body := b.body
	if len(body) > 120 {
		body = body[:120] + fmt.Sprintf("... (%d bytes)", len(b.body))
	}
	return fmt.Sprintf("%s %s %s", b.method, b.path, body)
}

// Every route of the API, walked with input a user can get wrong
// (unknown names, bad query parameters, bodies that are not JSON, of the
// wrong shape, too large, with fields of the wrong type or out of range)
// answers 4xx with a message that says what is wrong, and changes
// nothing anyone can list.
func TestEveryRouteRefusesBadInputAndChangesNothing(t *testing.T) {
	cp := newControlPlane(t)
	srv := newAPIServer(t, cp)
	existing := seed(t, srv.client)
	before := srv.snapshot(t)
	for _, r := range apiRoutes(t) {
		reqs := badRequestsFor(t, r, existing)
		for _, req := range reqs {
			a := srv.send(t, req.method, req.path, req.body)
			checkRefused(t, req, a)
		}
		if after := srv.snapshot(t); after != before {
			t.Errorf("%s: bad requests changed the state:\n%s", r, diffLines(before, after))
			before = after
		}
		t.Logf("%s: %d bad requests refused", r, len(reqs))
	}
	if n := cp.shutdowns.Load(); n != 0 {
		t.Errorf("bad requests asked the daemon to stop %d times", n)
	}
}

// checkRefused holds an answer to a bad request to the rules: a 4xx, an
// error body with a code, and a message of one line in the API's terms.
func checkRefused(t *testing.T, req badRequest, a answer) {
	t.Helper()
	switch {
	case a.status < 400 || a.status > 499:
		t.Errorf("%s: answered %d, want 4xx: %.300s", req, a.status, a.body)
	case a.code == "" || a.message == "":
		t.Errorf("%s: answered %d without an error code and message: %.300s", req, a.status, a.body)
	case strings.ContainsAny(a.message, "\n") || strings.Contains(a.message, "Go struct") ||
		strings.Contains(a.message, "%!") || strings.Contains(a.message, "<nil>"):
		t.Errorf("%s: answered %d with an unclear message: %q", req, a.status, a.message)
	}
}

// badRequestsFor makes the bad requests of one route: unknown values in
// each wildcard, each query parameter it reads with values that do not
// parse, and, if it reads a body, bad bodies and its sample body changed
// one field at a time. The rest of each request names what exists, so
// that only the bad part can be what is refused.
func badRequestsFor(t *testing.T, r route, existing map[string]string) []badRequest {
	t.Helper()
	known := existingValue(r, existing)
	path := fillPath(r.pattern, known)
	body := ""
	sample, hasSample := sampleBodies[r.String()]
	if r.readsBody {
		if !hasSample {
			t.Errorf("%s reads a body: add a sample of it to sampleBodies so that its fields are walked", r)
		}
		body = sample.sample
	}
	var out []badRequest
	for _, w := range r.wildcards() {
		for _, v := range unknownValues {
			p := fillPath(r.pattern, func(x string) string {
				if x == w {
					return v
				}
				return known(x)
			})
			out = append(out, badRequest{r.method, p, body})
		}
	}
	for _, q := range r.query {
		for _, v := range badQueryValues {
			out = append(out, badRequest{r.method, path + "?" + url.Values{q: {v}}.Encode(), body})
		}
	}
	out = append(out, badRequest{"PATCH", path, body})
	if !r.readsBody {
		return out
	}
	bodies := append(append([]string{}, badBodies...), sample.extra...)
	bodies = append(bodies, mutations(t, sample.sample)...)
	for _, b := range bodies {
		out = append(out, badRequest{r.method, path, b})
	}
	return out
}

// existingValue fills a route's wildcards with what the seed made (an
// unknown name where it made nothing of the kind).
func existingValue(r route, existing map[string]string) func(wildcard string) string {
	kind := strings.Split(strings.TrimPrefix(r.pattern, "/v1/"), "/")[0]
	return func(w string) string {
		if v, ok := existing[kind+"/"+w]; ok {
			return v
		}
		return "nope"
	}
}

// mutations returns the sample with one value at a time replaced by one
// of the wrong type or out of range.
func mutations(t testing.TB, sample string) []string {
	t.Helper()
	if sample == "" {
		return nil
	}
	var doc any
	if err := json.Unmarshal([]byte(sample), &doc); err != nil {
		t.Fatalf("sample %s: %v", sample, err)
	}
	var out []string
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		for _, bad := range wrongValues(v) {
			set(bad)
			b, _ := json.Marshal(doc)
			out = append(out, string(b))
		}
		set(v)
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k], func(nv any) { x[k] = nv })
			}
		case []any:
			for i := range x {
				walk(x[i], func(nv any) { x[i] = nv })
			}
		}
	}
	walk(doc, func(any) {})
	return out[len(wrongValues(doc)):] // the document itself is covered by badBodies
}

// wrongValues are values that cannot stand where v stands: another JSON
// type (but never a number for a string, which a duration takes as
// seconds), and for numbers, ones out of any range a field allows.
func wrongValues(v any) []any {
	switch x := v.(type) {
	case string:
		return []any{true, []any{}, map[string]any{}}
	case float64:
		out := []any{"x", -1, 1e9, 1e30, true}
		if x == float64(int64(x)) {
			out = append(out, 1.5) // a whole number is a count
		}
		return out
	case bool:
		return []any{"yes", 1}
	case []any:
		return []any{"x", map[string]any{}, 1}
	case map[string]any:
		return []any{"x", []any{}, 1}
	}
	return nil
}

// diffLines shows the lines of after that are not in before and back.
func diffLines(before, after string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	b, a := in(before), in(after)
	var out []string
	for _, l := range strings.Split(before, "\n") {
		if !a[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(after, "\n") {
		if !b[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
