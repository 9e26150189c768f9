package lb

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// oneTargetLB serves h as the only, healthy target behind a started load
// balancer. Health checks (GET /healthz) reach h too.
func oneTargetLB(t *testing.T, cfg Config, h http.HandlerFunc) *LoadBalancer {
	t.Helper()
	g := newGroup(t, TargetGroupConfig{})
	if err := g.Register(serverTarget(t, "i-a", h)); err != nil {
		t.Fatal(err)
	}
	waitState(t, g, StateHealthy, "i-a")
	return startLB(t, cfg, Forward{Group: g})
}

// rawExchange writes raw bytes to the load balancer and reads what comes
// back until the connection closes or the deadline passes.
func rawExchange(t *testing.T, l *LoadBalancer, request string) string {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c)
	return string(out)
}

func TestChunkedBodiesBothWays(t *testing.T) {
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			return
		}
		body, _ := io.ReadAll(r.Body)
		// No Content-Length and flushes: the response goes chunked.
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "%s-%d;", body, i)
			w.(http.Flusher).Flush()
		}
	})
	// A body of unknown length goes chunked from the Go client.
	req, _ := http.NewRequest(http.MethodPost, "http://"+l.Addr()+"/echo", io.MultiReader(strings.NewReader("ab"), strings.NewReader("cd")))
	resp, err := newClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if string(got) != "abcd-0;abcd-1;abcd-2;" || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("got %q (transfer encoding %v), want the echo three times, chunked", got, resp.TransferEncoding)
	}
}

func TestLargeBodyIsIntact(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			return
		}
		in, _ := io.ReadAll(r.Body)
		if !bytes.Equal(in, big) {
			http.Error(w, "upload damaged", http.StatusBadRequest)
			return
		}
		w.Write(big)
	})
	resp, err := newClient().Post("http://"+l.Addr()+"/", "application/octet-stream", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || sha256.Sum256(got) != sha256.Sum256(big) {
		t.Fatalf("status %d, %d bytes back, want 200 and the same %d bytes", resp.StatusCode, len(got), len(big))
	}
}

func TestHeadAndNoContent(t *testing.T) {
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/empty" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("hello"))
	})
	// Both on one connection: a body where there must be none would
	// corrupt the second response.
	out := rawExchange(t, l, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /empty HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	parts := strings.Split(out, "HTTP/1.1 ")
	if len(parts) != 4 || !strings.HasPrefix(parts[1], "200") || !strings.Contains(parts[1], "Content-Length: 5") ||
		strings.Contains(parts[1], "hello") || !strings.HasPrefix(parts[2], "204") || !strings.HasSuffix(parts[3], "\r\n\r\nhello") {
		t.Fatalf("pipelined HEAD, 204, GET gave:\n%s", out)
	}
}

func TestExpectContinue(t *testing.T) {
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Expect") != "" {
			http.Error(w, "Expect reached the target", http.StatusBadRequest)
			return
		}
		w.Write(body)
	})
	c := &http.Client{Transport: &http.Transport{Proxy: nil, ExpectContinueTimeout: 10 * time.Second}}
	req, _ := http.NewRequest(http.MethodPut, "http://"+l.Addr()+"/", strings.NewReader("payload"))
	req.Header.Set("Expect", "100-continue")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(got) != "payload" {
		t.Fatalf("status %d body %q, want 200 payload", resp.StatusCode, got)
	}
}

func TestHTTP10Client(t *testing.T) {
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "streamed")
		w.(http.Flusher).Flush() // no length: the LB must end it by closing
	})
	out := rawExchange(t, l, "GET / HTTP/1.0\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 200") || !strings.Contains(out, "Connection: close") ||
		strings.Contains(out, "chunked") || !strings.HasSuffix(out, "\r\n\r\nstreamed") {
		t.Fatalf("HTTP/1.0 request got:\n%s", out)
	}
}

func TestBadRequestsAreRefused(t *testing.T) {
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {})
	cases := map[string]string{
		"garbage\r\n\r\n":                   "400",
		"GET / HTTP/1.1\r\n\r\n":            "400", // no Host
		"GET / HTTP/2.0\r\nHost: x\r\n\r\n": "505",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n": "400",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n":          "400",
		"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n":                                      "400",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n":       "431",
		"CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n":                                             "405",
	}
	for req, want := range cases {
		out := rawExchange(t, l, req)
		if !strings.HasPrefix(out, "HTTP/1.1 "+want) || !strings.Contains(out, "Connection: close") {
			t.Errorf("request %.60q: got %.80q, want %s and close", req, out, want)
		}
	}
	if n := l.Stats().Responses["4xx"] + l.Stats().Responses["5xx"]; n != int64(len(cases)) {
		t.Errorf("%d error responses counted, want %d", n, len(cases))
	}
}

func TestHeadersForwarded(t *testing.T) {
	got := make(chan http.Header, 1)
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			return
		}
		got <- r.Header.Clone()
		w.Header().Set("Keep-Alive", "timeout=5") // hop-by-hop: must not reach the client
	})
	out := rawExchange(t, l, "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.1.2.3\r\n"+
		"Connection: close, X-Secret\r\nX-Secret: hop\r\nTE: trailers\r\n\r\n")
	h := <-got
	if h.Get("X-Forwarded-For") != "10.1.2.3, 127.0.0.1" || h.Get("X-Forwarded-Proto") != "http" || h.Get("X-Forwarded-Port") == "" {
		t.Errorf("forwarded headers %v", h)
	}
	if h.Get("X-Secret") != "" || h.Get("Te") != "" {
		t.Errorf("hop-by-hop headers reached the target: %v", h)
	}
	if strings.Contains(out, "Keep-Alive") || !strings.Contains(out, TargetHeader+": i-a") {
		t.Errorf("client got:\n%s", out)
	}
}

func TestUpgradeTunnel(t *testing.T) {
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			return // health checks
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo: " + line)
		brw.Flush()
	})
	c, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get(TargetHeader) != "i-a" {
		t.Fatalf("upgrade answer %v %v", resp, err)
	}
	io.WriteString(c, "ping\n")
	if line, _ := br.ReadString('\n'); line != "echo: ping\n" {
		t.Fatalf("through the tunnel: %q, want the echo", line)
	}
}

func TestStaleKeepAliveConnectionIsRetried(t *testing.T) {
	// The target closes idle connections after 50ms; a request on a pooled
	// connection it closed must still succeed.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.IdleTimeout = 50 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	g := newGroup(t, TargetGroupConfig{HealthCheck: HealthCheck{Path: "/healthz", Interval: time.Hour, Timeout: time.Second, HealthyThreshold: 1}})
	if err := g.Register(Target{ID: "i-a", Address: srv.Listener.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	waitState(t, g, StateHealthy, "i-a")
	l := startLB(t, Config{}, Forward{Group: g})
	c := newClient()
	for i := range 3 {
		if r := get(t, c, l, "/"); r.status != 200 {
			t.Fatalf("request %d after the target closed its idle connection: %d %s", i, r.status, r.body)
		}
		time.Sleep(150 * time.Millisecond) // past the target's idle timeout
	}
}

func TestTargetBreakingOffMidBody(t *testing.T) {
	l := oneTargetLB(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			return
		}
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("only part"))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection is cut
	})
	resp, err := newClient().Get("http://" + l.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatal("a truncated body read without error")
	}
	if s := settledStats(t, l); s.Errors[CauseTargetError] != 1 {
		t.Errorf("errors %v, want one target_error", s.Errors)
	}
}

func TestIdleAndSlowClientsAreDisconnected(t *testing.T) {
	old := readHeaderTimeout
	readHeaderTimeout = 100 * time.Millisecond
	t.Cleanup(func() { readHeaderTimeout = old })
	l := oneTargetLB(t, Config{IdleTimeout: 100 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {})
	for name, send := range map[string]string{
		"idle":      "",
		"slow head": "GET / HTTP/1.1\r\nHost: x\r\n", // never finished
	} {
		c, err := net.Dial("tcp", l.Addr())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, send)
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err = c.Read(make([]byte, 1))
		c.Close()
		if err != io.EOF {
			t.Errorf("%s client: read %v, want the load balancer to close the connection (EOF)", name, err)
		}
	}
	eventually(t, "connections to be let go", func() bool { return l.Stats().ActiveConnections == 0 })
}
