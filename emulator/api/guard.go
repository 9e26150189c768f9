package api

import (
	"crypto/subtle"
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"strings"
)

// GuardOptions say who may drive a listener.
type GuardOptions struct {
	// Token, when set, must come with every request as "Authorization:
	// Bearer TOKEN". The unix socket leaves it empty: its 0600 mode already
	// admits only the owner, as the Docker engine's own socket does.
	Token string
	// TokenFile is where the token is kept, named in the 401 message.
	TokenFile string
	// JSONOnly refuses mutating requests whose body is not JSON. The API
	// sets it; the registry cannot (blobs are application/octet-stream).
	JSONOnly bool
	// Sessions, when set, admit a browser's read-only requests by the
	// cookie a dashboard login code was swapped for (see Sessions).
	Sessions *Sessions
}

// Guard admits only the sandbox's owner to h. A web page the user visits can
// reach a loopback port (it can find one by scanning), so every listener
// refuses what a browser can send across origins:
//   - a Host that is not a loopback name or address (DNS rebinding);
//   - an Origin other than the listener's own;
//   - a mutating request whose body is not application/json (a "simple"
//     cross-origin POST goes out as text/plain with no preflight);
//   - on TCP, a request without the sandbox's bearer token (or, read-only,
//     a dashboard session's cookie).
func Guard(h http.Handler, opts GuardOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, code, msg := admit(r, opts)
		if status == http.StatusUnauthorized && opts.Sessions.login(w, r) {
			return
		}
		if status != 0 {
			refuse(w, status, code, msg)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func admit(r *http.Request, opts GuardOptions) (status int, code, msg string) {
	if !loopbackHost(r.Host) {
		return http.StatusForbidden, "ForeignHost",
			"requests must name a loopback host (127.0.0.1 or localhost), not " + quote(r.Host)
	}
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
		return http.StatusForbidden, "ForeignOrigin",
			"cross-origin requests are refused: origin " + quote(o) + " is not this API's"
	}
	if opts.JSONOnly && mutating(r.Method) && !jsonBody(r) {
		return http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			"a " + r.Method + " request must send its body as Content-Type: application/json"
	}
	if opts.Token != "" && !bearer(r, opts.Token) && !opts.Sessions.admits(r) {
		return http.StatusUnauthorized, "Unauthorized",
			"the API needs the sandbox's token: send \"Authorization: Bearer TOKEN\" with the token kept in " + opts.TokenFile
	}
	return 0, "", ""
}

// loopbackHost accepts localhost and loopback addresses, with or without a
// port.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	switch strings.ToLower(host) {
	case "localhost":
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin is true when the page making the request was served by this
// listener: its origin is http://HOST exactly.
func sameOrigin(origin, host string) bool {
	return strings.EqualFold(origin, "http://"+host)
}

func mutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func jsonBody(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

func bearer(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

func refuse(w http.ResponseWriter, status int, code, msg string) {
	var body ErrorBody
	body.Error.Code, body.Error.Message = code, msg
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cattle"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func quote(s string) string {
	if s == "" {
		return `""`
	}
	b, _ := json.Marshal(s)
	return string(b)
}
