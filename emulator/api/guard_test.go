package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGuardRefusesWhatABrowserCanSendAcrossOrigins(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	reached := 0
	h := Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }),
		GuardOptions{Token: token, TokenFile: "/state/api-token", JSONOnly: true})
	cases := []struct {
		name, method, host, origin, ctype, auth string
		want                                    int
		msg                                     string
	}{
		{"owner", "POST", "127.0.0.1:4000", "", "application/json", "Bearer " + token, 200, ""},
		{"owner by name", "GET", "localhost:4000", "", "", "Bearer " + token, 200, ""},
		{"own origin", "POST", "127.0.0.1:4000", "http://127.0.0.1:4000", "application/json; charset=utf-8", "Bearer " + token, 200, ""},
		{"ipv6 loopback", "GET", "[::1]:4000", "", "", "Bearer " + token, 200, ""},
		{"no token", "GET", "127.0.0.1:4000", "", "", "", 401, "/state/api-token"},
		{"wrong token", "GET", "127.0.0.1:4000", "", "", "Bearer nope", 401, "Authorization: Bearer"},
		{"not bearer", "GET", "127.0.0.1:4000", "", "", "Basic " + token, 401, "token"},
		{"foreign host", "GET", "evil.example:4000", "", "", "Bearer " + token, 403, "evil.example:4000"},
		{"foreign host, no port", "GET", "evil.example", "", "", "Bearer " + token, 403, "loopback"},
		{"private address", "GET", "10.0.0.1:4000", "", "", "Bearer " + token, 403, "loopback"},
		{"foreign origin", "POST", "127.0.0.1:4000", "http://evil.example", "application/json", "Bearer " + token, 403, "evil.example"},
		{"other loopback port", "POST", "127.0.0.1:4000", "http://127.0.0.1:5000", "application/json", "Bearer " + token, 403, "origin"},
		{"text/plain body", "POST", "127.0.0.1:4000", "", "text/plain", "Bearer " + token, 415, "application/json"},
		{"form body", "DELETE", "127.0.0.1:4000", "", "application/x-www-form-urlencoded", "Bearer " + token, 415, "DELETE"},
		{"no content type", "POST", "127.0.0.1:4000", "", "", "Bearer " + token, 415, "Content-Type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := reached
			r := httptest.NewRequest(c.method, "/v1/templates", strings.NewReader("{}"))
			r.Host = c.host
			for k, v := range map[string]string{"Origin": c.origin, "Content-Type": c.ctype, "Authorization": c.auth} {
				if v != "" {
					r.Header.Set(k, v)
				}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Fatalf("status %d, want %d: %s", w.Code, c.want, w.Body)
			}
			if c.want != 200 {
				if reached != before {
					t.Fatal("a refused request reached the API")
				}
				if !strings.Contains(w.Body.String(), c.msg) {
					t.Fatalf("message %s does not say %q", w.Body, c.msg)
				}
			}
		})
	}
}

func TestGuardWithoutTokenOrJSONRuleStillChecksHostAndOrigin(t *testing.T) {
	h := Guard(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), GuardOptions{})
	for host, want := range map[string]int{"localhost": 200, "127.0.0.1:5000": 200, "evil.example": 403} {
		r := httptest.NewRequest("PUT", "/v2/web/blobs/uploads/x", strings.NewReader("blob"))
		r.Host = host
		r.Header.Set("Content-Type", "application/octet-stream")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("host %s: status %d, want %d", host, w.Code, want)
		}
	}
}
