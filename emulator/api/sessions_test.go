package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// browserGet sends a request as a browser would: no bearer token, the
// cookies it was given, the listener's own Host.
func browserGet(h http.Handler, method, target, host string, cookies []*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader("{}"))
	r.Host = host
	if method != http.MethodGet {
		r.Header.Set("Content-Type", "application/json")
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestDashboardCodeLogsABrowserInOnceAndOnlyToRead(t *testing.T) {
	s := NewSessions()
	reached := 0
	h := Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }),
		GuardOptions{Token: "0123456789abcdef0123456789abcdef", TokenFile: "/state/api-token", JSONOnly: true, Sessions: s})
	const host = "127.0.0.1:4000"
	code := s.Code()

	w := browserGet(h, "GET", DashboardPath+"?code="+code, host, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != DashboardPath {
		t.Fatalf("login: %d to %q, want 303 to %s", w.Code, w.Header().Get("Location"), DashboardPath)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Name != "cattle_session_4000" {
		t.Fatalf("login set cookies %+v: want one HttpOnly, SameSite=Strict cookie named for the port", cookies)
	}
	for _, target := range []string{DashboardPath + "?code=" + code, DashboardPath} {
		w := browserGet(h, "GET", target, host, nil)
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "cattle dashboard") {
			t.Errorf("GET %s without a session: %d %q, want 401 naming 'cattle dashboard'", target, w.Code, w.Body)
		}
	}
	for _, path := range []string{DashboardPath, "/v1/stream", "/metrics", "/v1/groups"} {
		if w := browserGet(h, "GET", path, host, cookies); w.Code != http.StatusOK {
			t.Errorf("GET %s with the cookie: %d, want 200", path, w.Code)
		}
	}
	before := reached
	if w := browserGet(h, "POST", "/v1/shutdown", host, cookies); w.Code != http.StatusUnauthorized {
		t.Errorf("POST with only the cookie: %d, want 401", w.Code)
	}
	if w := browserGet(h, "GET", "/v1/groups", "127.0.0.1:5000", cookies); w.Code != http.StatusUnauthorized {
		t.Errorf("the cookie on another port's daemon: %d, want 401", w.Code)
	}
	if w := browserGet(h, "GET", "/v1/groups", "evil.example:4000", cookies); w.Code != http.StatusForbidden {
		t.Errorf("the cookie with a foreign Host: %d, want 403", w.Code)
	}
	if reached != before {
		t.Error("a refused request reached the API")
	}
}

func TestDashboardCodesExpireAndStayBounded(t *testing.T) {
	s := NewSessions()
	now := time.Now()
	s.now = func() time.Time { return now }
	old := s.Code()
	now = now.Add(codeLifetime + time.Second)
	if s.redeem(old) {
		t.Error("an expired code logged in")
	}
	if s.redeem("nonsense") {
		t.Error("a code never minted logged in")
	}
	for range 3 * maxCodes {
		s.Code()
	}
	if len(s.codes) > maxCodes {
		t.Errorf("%d codes kept, want at most %d", len(s.codes), maxCodes)
	}
	if !s.redeem(s.Code()) {
		t.Error("a fresh code did not log in")
	}
}
