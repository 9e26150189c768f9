package lb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
)

// The fuzz targets hold lb's hand-written head parsers against net/http's:
// for any input both give the same verdict and, when both accept, the same
// method, target, version, framing, connection handling and fields. Where
// lb is deliberately stricter or looser, the exact cases are named in
// requestDifference and responseDifference, and asserted there.

// requestSeeds are the request heads of the package's tests, and some edges.
var requestSeeds = []string{
	"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
	"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n",
	"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.1.2.3\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n\r\n",
	"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"garbage\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
	"CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n folded: y\r\n\r\n",
	"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET http://x/y HTTP/1.1\r\nHost: x\r\n\r\n",
}

// responseSeeds are the response heads of the package's tests, and some edges.
var responseSeeds = []string{
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
	"HTTP/1.1 204 No Content\r\n\r\n",
	"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\n",
	"HTTP/1.0 200 OK\r\n\r\n",
	"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n",
	"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	"HTTP/1.1 099 Odd\r\n\r\n",
}

func FuzzRequestHead(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var h head
		var ri reqInfo
		lbErr := h.read(bufio.NewReader(bytes.NewReader(data)))
		status := 0
		if lbErr == nil {
			status, lbErr = parseRequest(&h, &ri)
		}
		req, goErr := readRequestAsServer(skipEmptyLines(data))
		if why := requestDifference(t, data, &h, lbErr, goErr); why != "" {
			return // a documented difference, checked there
		}
		if (lbErr == nil) != (goErr == nil) {
			t.Fatalf("verdicts differ on %q: lb %d %v, net/http %v", data, status, lbErr, goErr)
		}
		if lbErr == nil {
			if err := sameRequest(&h, &ri, req); err != nil {
				t.Fatalf("%q: %v", data, err)
			}
		}
	})
}

func FuzzResponseHead(f *testing.F) {
	for _, s := range responseSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, isHead bool) {
		var h head
		var rs respInfo
		req := reqInfo{isHead: isHead}
		lbErr := h.read(bufio.NewReader(bytes.NewReader(data)))
		if lbErr == nil {
			lbErr = parseResponse(&h, &req, &rs)
		}
		method := http.MethodGet
		if isHead {
			method = http.MethodHead
		}
		resp, goErr := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), &http.Request{Method: method})
		if why := responseDifference(t, data, lbErr, goErr); why != "" {
			return
		}
		if (lbErr == nil) != (goErr == nil) {
			t.Fatalf("verdicts differ on %q: lb %v, net/http %v", data, lbErr, goErr)
		}
		if lbErr == nil {
			if err := sameResponse(&h, &rs, resp); err != nil {
				t.Fatalf("%q: %v", data, err)
			}
		}
	})
}

// sameRequest compares what both parsers made of an accepted request.
func sameRequest(h *head, ri *reqInfo, req *http.Request) error {
	if string(ri.method) != req.Method || string(ri.target) != req.RequestURI || string(h.start[2]) != req.Proto {
		return fmt.Errorf("start line: lb %q %q %q, net/http %q %q %q", ri.method, ri.target, h.start[2], req.Method, req.RequestURI, req.Proto)
	}
	goChunked := len(req.TransferEncoding) > 0 && req.TransferEncoding[0] == "chunked"
	if ri.chunked != goChunked {
		return fmt.Errorf("chunked: lb %v, net/http %v", ri.chunked, goChunked)
	}
	if length := max(ri.contentLength, 0); !ri.chunked && length != req.ContentLength {
		return fmt.Errorf("content length: lb %d, net/http %d", ri.contentLength, req.ContentLength)
	}
	if ri.close != req.Close {
		return fmt.Errorf("close: lb %v, net/http %v", ri.close, req.Close)
	}
	if ri.expectContinue != (req.Header.Get("Expect") != "") {
		return fmt.Errorf("expect continue: lb %v, net/http %q", ri.expectContinue, req.Header.Get("Expect"))
	}
	if host := h.get("Host"); req.URL.Host == "" && string(host) != req.Host {
		return fmt.Errorf("host: lb %q, net/http %q", host, req.Host)
	}
	return sameFields(h, req.Header)
}

// sameResponse compares what both parsers made of an accepted response.
func sameResponse(h *head, rs *respInfo, resp *http.Response) error {
	if rs.code != resp.StatusCode || rs.http11 != (resp.ProtoMinor == 1) {
		return fmt.Errorf("status line: lb %d http11=%v, net/http %d %s", rs.code, rs.http11, resp.StatusCode, resp.Proto)
	}
	if rs.noBody {
		return nil // no framing to compare: nothing follows the head
	}
	goChunked := len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"
	if rs.chunked != goChunked {
		return fmt.Errorf("chunked: lb %v, net/http %v", rs.chunked, goChunked)
	}
	if !rs.chunked && rs.contentLength != resp.ContentLength {
		return fmt.Errorf("content length: lb %d, net/http %d", rs.contentLength, resp.ContentLength)
	}
	untilClose := !rs.chunked && rs.contentLength < 0
	// lb closes, stricter than net/http, after a response framed by both
	// Transfer-Encoding and Content-Length (RFC 9112 6.3 allows it).
	distrusted := rs.chunked && h.get("Content-Length") != nil
	if (rs.close || untilClose) != resp.Close && !(distrusted && rs.close) {
		return fmt.Errorf("close: lb %v (body until close %v), net/http %v", rs.close, untilClose, resp.Close)
	}
	return nil
}

// sameFields checks that every field lb read is in net/http's header with
// the same value (net/http moves Host and framing fields out of it).
func sameFields(h *head, header http.Header) error {
	for _, f := range h.fields {
		name := textproto.CanonicalMIMEHeaderKey(string(f.name))
		switch name {
		case "Host", "Transfer-Encoding", "Content-Length":
			continue
		}
		if !containsValue(header[name], string(f.value)) {
			return fmt.Errorf("field %s: lb %q, net/http %q", name, f.value, header[name])
		}
	}
	return nil
}

func containsValue(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

// readRequestAsServer is net/http's verdict on a request head: ReadRequest
// and the checks its server makes before a handler runs (server.go
// readRequest and serve: version, Host, field names and values, Expect).
func readRequestAsServer(data []byte) (*http.Request, error) {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, err
	}
	switch {
	case req.ProtoMajor != 1:
		return nil, errors.New("unsupported protocol version")
	case req.ProtoAtLeast(1, 1) && !hasField(data, "Host") && req.Method != http.MethodConnect:
		return nil, errors.New("missing required Host header")
	case req.Header.Get("Expect") != "" && !strings.EqualFold(req.Header.Get("Expect"), "100-continue"):
		return nil, errors.New("expectation failed")
	}
	for name, values := range req.Header {
		if !validFieldName(name) {
			return nil, errors.New("invalid header name")
		}
		for _, v := range values {
			if !validFieldValue(v) {
				return nil, errors.New("invalid header value")
			}
		}
	}
	return req, nil
}

// validFieldName and validFieldValue are httpguts' rules: a token, and no
// control character but tab.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) &&
			!('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func validFieldValue(s string) bool {
	for _, c := range []byte(s) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// skipEmptyLines drops the empty lines lb tolerates before a start line
// (RFC 9112 2.2: a server SHOULD ignore at least one).
func skipEmptyLines(data []byte) []byte {
	start := 0
	for start < 8 {
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 || len(trimEOL(data[start:start+i+1])) > 0 {
			break
		}
		start += i + 1
	}
	return data[start:]
}

// requestDifference names the cases where lb's verdict on a request differs
// from net/http's by design, after asserting lb's verdict on them; "" means
// the two must agree.
func requestDifference(t *testing.T, data []byte, h *head, lbErr error, goErr error) string {
	t.Helper()
	start := func(i int) string {
		line, _, _ := bytes.Cut(skipEmptyLines(data), []byte("\n"))
		parts := strings.SplitN(strings.TrimSuffix(string(line), "\r"), " ", 3)
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	must := func(why string) string {
		if lbErr == nil {
			t.Fatalf("%q: lb accepted, but it refuses %s", data, why)
		}
		return why
	}
	var badURL *url.Error
	switch {
	case errors.As(goErr, &badURL) && start(1) != "":
		// Looser: lb checks only that a target has no space or control
		// character and forwards it as is; the target judges its syntax.
		return "request target syntax"
	case goErr != nil:
		return "" // everything else net/http refuses, lb refuses too
	case start(0) == http.MethodConnect:
		return must("CONNECT: a reverse proxy does not tunnel")
	case start(2) != "HTTP/1.1" && start(2) != "HTTP/1.0":
		return must("HTTP versions other than 1.0 and 1.1")
	case hasField(data, "Transfer-Encoding") && hasField(data, "Content-Length"):
		return must("Content-Length with Transfer-Encoding (RFC 9112 6.1 allows either)")
	case hasObsFold(data):
		return must("obsolete line folding (RFC 9112 5.2 allows either)")
	case start(2) == "HTTP/1.0" && hasField(data, "Transfer-Encoding"):
		return must("Transfer-Encoding in HTTP/1.0 (faulty framing, RFC 9112 6.1)")
	}
	return ""
}

// responseDifference is requestDifference for responses.
func responseDifference(t *testing.T, data []byte, lbErr error, goErr error) string {
	t.Helper()
	line, _, _ := bytes.Cut(data, []byte("\n"))
	version, status, _ := strings.Cut(strings.TrimSuffix(string(line), "\r"), " ")
	code, _, _ := strings.Cut(status, " ")
	must := func(why string) string {
		if lbErr == nil {
			t.Fatalf("%q: lb accepted, but it refuses %s", data, why)
		}
		return why
	}
	switch {
	case goErr != nil:
		return ""
	case version != "HTTP/1.1" && version != "HTTP/1.0":
		return must("HTTP versions other than 1.0 and 1.1")
	case len(code) != 3 || code < "100" || code > "599" || strings.ContainsAny(code, "+-"):
		return must("status codes outside 100-599")
	case version == "HTTP/1.0" && hasField(data, "Transfer-Encoding"):
		return must("Transfer-Encoding in HTTP/1.0 (faulty framing, RFC 9112 6.1)")
	case hasObsFold(data):
		return must("obsolete line folding (RFC 9112 5.2 allows either)")
	case !validFields(data):
		// net/http's client takes a name with spaces before the colon or
		// a value with control characters; lb refuses to relay them.
		return must("field names that are not tokens, values with control characters")
	}
	return ""
}

// validFields says every field line of the head in data has a token name
// and a value without control characters (tab aside).
func validFields(data []byte) bool {
	head, _, _ := bytes.Cut(data, []byte("\n\n"))
	head, _, _ = bytes.Cut(head, []byte("\n\r\n"))
	lines := bytes.Split(head, []byte("\n"))
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(strings.TrimSuffix(string(line), "\r"), ":")
		if ok && (!validFieldName(name) || !validFieldValue(value)) {
			return false
		}
	}
	return true
}

// hasField says the head in data has a field named name.
func hasField(data []byte, name string) bool {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	for _, line := range bytes.Split(head, []byte("\n")) {
		n, _, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(strings.TrimSpace(string(n)), name) {
			return true
		}
	}
	return false
}

// hasObsFold says a field line of the head in data starts with a space or tab.
func hasObsFold(data []byte) bool {
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if len(trimEOL(line)) == 0 {
			if i > 0 {
				return false
			}
			continue
		}
		if i > 0 && (line[0] == ' ' || line[0] == '\t') {
			return true
		}
	}
	return false
}
