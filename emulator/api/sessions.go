package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// DashboardPath is where the daemon serves its dashboard page.
const DashboardPath = "/dashboard"

// codeLifetime is how long a dashboard login code may wait to be used.
const codeLifetime = 5 * time.Minute

// maxCodes bounds the codes waiting to be used: minting more forgets the
// oldest.
const maxCodes = 32

// Sessions let a browser read the TCP API without the bearer token a
// browser cannot send. `cattle dashboard` mints a one-time code (over the
// socket or with the token); the browser opens DashboardPath?code=CODE once,
// the guard swaps the code for an HttpOnly, SameSite=Strict cookie and sends
// the browser on to the page without the code in its address. The cookie
// admits read-only requests (GET, HEAD) only: it can change nothing.
type Sessions struct {
	secret string
	mu     sync.Mutex
	codes  map[string]time.Time // unused code -> expiry
	now    func() time.Time
}

// NewSessions returns an empty set of sessions with a fresh secret: a
// restarted daemon forgets the cookies it gave out.
func NewSessions() *Sessions {
	return &Sessions{secret: randomHex(32), codes: map[string]time.Time{}, now: time.Now}
}

// Code mints a one-time login code.
func (s *Sessions) Code() string {
	code := randomHex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for c, exp := range s.codes {
		if now.After(exp) {
			delete(s.codes, c)
		}
	}
	for len(s.codes) >= maxCodes {
		var oldest string
		for c, exp := range s.codes {
			if oldest == "" || exp.Before(s.codes[oldest]) {
				oldest = c
			}
		}
		delete(s.codes, oldest)
	}
	s.codes[code] = now.Add(codeLifetime)
	return code
}

// redeem uses up a code: true once, if it was minted and has not expired.
func (s *Sessions) redeem(code string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.codes[code]
	delete(s.codes, code)
	return ok && !s.now().After(exp)
}

// cookieName is per port: browsers share cookies between the ports of one
// host, and two sandboxes must not log each other's browsers out.
func cookieName(host string) string {
	_, port, _ := net.SplitHostPort(host)
	return "cattle_session_" + port
}

// admits is true for a read-only request carrying the session cookie.
func (s *Sessions) admits(r *http.Request) bool {
	if s == nil || mutating(r.Method) {
		return false
	}
	c, err := r.Cookie(cookieName(r.Host))
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.secret)) == 1
}

// login answers a request for the dashboard page that the guard would
// refuse: a valid code is swapped for the cookie and the browser sent on to
// the page without it; anything else gets a page saying how to get a new
// link. False leaves any other request to be refused as usual.
func (s *Sessions) login(w http.ResponseWriter, r *http.Request) bool {
	if s == nil || r.Method != http.MethodGet || r.URL.Path != DashboardPath {
		return false
	}
	code := r.URL.Query().Get("code")
	if !s.redeem(code) {
		// A person opened this in a browser: tell them, in words, what
		// to do rather than ask for a bearer token.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "This dashboard link was used already or has expired (a link works once, within 5 minutes).\n"+
			"Run 'cattle dashboard' for a new one.\n")
		return true
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(r.Host), Value: s.secret, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, DashboardPath, http.StatusSeeOther)
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
