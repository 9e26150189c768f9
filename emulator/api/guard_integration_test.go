package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
)

// listener is one way into a real daemon's API, as a browser or script
// would open it.
type listener struct {
	name string
	base string
	http *http.Client
}

func listeners(s *emulatortest.Sandbox) []listener {
	sock := s.Daemon.Paths().Socket
	unix := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	return []listener{
		{"unix socket", "http://localhost", unix},
		{"tcp", "http://" + s.Daemon.APIAddr(), &http.Client{}},
	}
}

type attempt struct {
	name           string
	host, origin   string
	ctype, auth    string
	wantStatus     int
	wantInMessage  string
	onlyOnTCPToken bool // the unix socket needs no token (mode 0600)
}

// TestIntegrationAPIAdmitsOnlyItsOwner repeats, on every listener of a real
// daemon, what a web page could do before: a cross-origin text/plain POST
// that created a template, a DNS-rebinding Host, a shutdown with purge.
func TestIntegrationAPIAdmitsOnlyItsOwner(t *testing.T) {
	s := emulatortest.Start(t)
	token, err := emulator.ReadToken(s.Daemon.Paths())
	if err != nil || len(token) < 32 {
		t.Fatalf("token %q, %v", token, err)
	}
	if fi, err := os.Stat(s.Daemon.Paths().Token); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the token file must be the owner's alone: %v %v", fi.Mode(), err)
	}
	attempts := []attempt{
		{name: "cross-origin text/plain", origin: "http://evil.example", ctype: "text/plain", auth: token, wantStatus: 403, wantInMessage: "evil.example"},
		{name: "same-origin text/plain", ctype: "text/plain", auth: token, wantStatus: 415, wantInMessage: "application/json"},
		{name: "foreign origin with JSON", origin: "http://evil.example", ctype: "application/json", auth: token, wantStatus: 403, wantInMessage: "cross-origin"},
		{name: "DNS rebinding", host: "evil.example", ctype: "application/json", auth: token, wantStatus: 403, wantInMessage: "loopback"},
		{name: "no token", ctype: "application/json", wantStatus: 401, wantInMessage: s.Daemon.Paths().Token, onlyOnTCPToken: true},
		{name: "wrong token", ctype: "application/json", auth: strings.Repeat("0", 64), wantStatus: 401, wantInMessage: "token", onlyOnTCPToken: true},
	}
	for _, l := range listeners(s) {
		for _, a := range attempts {
			if a.onlyOnTCPToken && l.name != "tcp" {
				continue
			}
			t.Run(l.name+"/"+a.name, func(t *testing.T) {
				for _, path := range []string{"/v1/templates", "/v1/shutdown"} {
					body := `{"name":"evil","image":"builtin/demo","port":8080}`
					if path == "/v1/shutdown" {
						body = `{"purge":true}`
					}
					status, msg := send(t, l, a, path, body)
					if status != a.wantStatus || !strings.Contains(msg, a.wantInMessage) {
						t.Fatalf("POST %s: %d %s, want %d naming %q", path, status, msg, a.wantStatus, a.wantInMessage)
					}
				}
			})
		}
	}
	// Nothing got through: no template, and the daemon still answers.
	tpls, err := s.Client.Templates(context.Background())
	if err != nil || len(tpls) != 0 {
		t.Fatalf("after the refused requests: templates %v, %v", tpls, err)
	}
	// The owner, with the token over TCP, is served.
	owner := attempt{ctype: "application/json", auth: token}
	status, msg := send(t, listeners(s)[1], owner, "/v1/templates", `{"name":"web","image":"builtin/demo","port":8080}`)
	if status != 200 {
		t.Fatalf("the owner's request: %d %s", status, msg)
	}
}

func send(t *testing.T, l listener, a attempt, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, l.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if a.host != "" {
		req.Host = a.host
	}
	for k, v := range map[string]string{"Origin": a.origin, "Content-Type": a.ctype} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	if a.auth != "" {
		req.Header.Set("Authorization", "Bearer "+a.auth)
	}
	resp, err := l.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestIntegrationRegistryKeepsTheHostAndOriginRules: the registry takes no
// token (the docker CLI pushes without a login), but a web page can no more
// reach it than the API.
func TestIntegrationRegistryKeepsTheHostAndOriginRules(t *testing.T) {
	s := emulatortest.Start(t)
	base := "http://" + s.Daemon.RegistryAddr() + "/v2/"
	for _, c := range []struct {
		name, host, origin string
		want               int
	}{
		{"a client on loopback, no token", "", "", 200},
		{"DNS rebinding", "evil.example", "", 403},
		{"a foreign page", "", "http://evil.example", 403},
	} {
		req, _ := http.NewRequest(http.MethodGet, base, nil)
		if c.host != "" {
			req.Host = c.host
		}
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: GET /v2/ answered %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
}
