package lb

import (
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// The two proxies the benchmark measures beside cattle's engine and nginx,
// so that lb/doc.go's case for a hand-written engine rests on figures from
// the same run. Each does the work cattle's load balancer does on every
// request: round robin over the same backends, X-Forwarded-For, -Proto and
// -Port as an ALB, and X-Cattle-Target on the response.

// startReverseProxy serves net/http's httputil.ReverseProxy with a
// transport tuned for the load: as many idle connections per backend as
// there can be clients, no compression, and a pool of copy buffers.
func startReverseProxy(t *testing.T, backends []string) string {
	t.Helper()
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1}).DialContext,
	}
	var next atomic.Uint64
	rp := &httputil.ReverseProxy{
		Transport:  tr,
		BufferPool: &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}},
		Rewrite: func(r *httputil.ProxyRequest) {
			addr := backends[next.Add(1)%uint64(len(backends))]
			r.Out.URL.Scheme, r.Out.URL.Host = "http", addr
			r.SetXForwarded()
			_, port, _ := net.SplitHostPort(r.In.Host)
			r.Out.Header.Set("X-Forwarded-Port", port)
		},
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Set("X-Cattle-Target", resp.Request.URL.Host)
			return nil
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); tr.CloseIdleConnections() })
	return ln.Addr().String()
}

// bufferPool is httputil.BufferPool on a sync.Pool.
type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

// startFastHTTPProxy serves a proxy on fasthttp's server and one fasthttp
// HostClient per backend, fasthttp's pooled keep-alive client.
func startFastHTTPProxy(t *testing.T, backends []string) string {
	t.Helper()
	clients := make([]*fasthttp.HostClient, len(backends))
	for i, addr := range backends {
		clients[i] = &fasthttp.HostClient{Addr: addr, MaxConns: 4096, MaxIdleConnDuration: time.Minute}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	var next atomic.Uint64
	handler := func(ctx *fasthttp.RequestCtx) {
		i := next.Add(1) % uint64(len(clients))
		req := &ctx.Request
		// Connection is hop by hop: the client's "close" ends its own
		// connection, never the pooled one to the backend.
		closeClient := req.Header.ConnectionClose()
		req.Header.ResetConnectionClose()
		req.Header.Set("X-Forwarded-For", ctx.RemoteIP().String())
		req.Header.Set("X-Forwarded-Proto", "http")
		req.Header.Set("X-Forwarded-Port", port)
		if err := clients[i].Do(req, &ctx.Response); err != nil {
			ctx.Error("bad gateway", fasthttp.StatusBadGateway)
			return
		}
		ctx.Response.Header.ResetConnectionClose()
		ctx.Response.Header.Set("X-Cattle-Target", backends[i])
		if closeClient {
			ctx.SetConnectionClose()
		}
	}
	srv := &fasthttp.Server{Handler: handler, IdleTimeout: time.Minute, ReadTimeout: 10 * time.Second, NoDefaultServerHeader: true}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return ln.Addr().String()
}
