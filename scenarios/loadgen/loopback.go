package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// CheckURL accepts only http URLs on a loopback address: a scenario's load
// goes to the sandbox on this machine and nowhere else. "localhost" is
// rewritten to 127.0.0.1 so that no resolver decides where it goes.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("load target %q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("load target %q: only http:// URLs on 127.0.0.1 are allowed", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("load target %q is not on 127.0.0.1: cattle only sends load to this machine's loopback addresses", raw)
	}
	if u.Port() == "" {
		return nil, fmt.Errorf("load target %q has no port", raw)
	}
	u.Host = net.JoinHostPort(ip.String(), u.Port())
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// loopbackOnly refuses, at connect time, any address that is not loopback:
// whatever a URL or a redirect said, no request leaves the machine.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to %s: load only goes to loopback addresses", address)
	}
	return nil
}

// LoopbackClient is an HTTP client that only reaches loopback addresses:
// no proxy, no redirects followed, a bounded time per request.
func LoopbackClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, addr)
			},
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
