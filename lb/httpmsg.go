package lb

import (
	"errors"
	"fmt"
	"net/http"
)

// msgInfo is what a proxy must know of a message head to frame its body
// and to manage the connection.
type msgInfo struct {
	http11        bool
	contentLength int64 // -1: no Content-Length
	chunked       bool
	close         bool // the sender closes the connection after this message
	upgrade       bool // Connection: upgrade, with an Upgrade field
	connTokens    [][]byte
}

var errVersion = errors.New("unsupported HTTP version")

func (m *msgInfo) read(h *head, version []byte) error {
	switch string(version) {
	case "HTTP/1.1":
		m.http11 = true
	case "HTTP/1.0":
		m.http11 = false
	default:
		return fmt.Errorf("%w %q", errVersion, version)
	}
	m.contentLength, m.chunked, m.close, m.upgrade = -1, false, false, false
	m.connTokens = m.connTokens[:0]
	keepAlive, upgradeToken := false, false
	h.values("Connection", func(v []byte) {
		switch {
		case equalFold(v, "close"):
			m.close = true
		case equalFold(v, "keep-alive"):
			keepAlive = true
		case equalFold(v, "upgrade"):
			upgradeToken = true
		}
		m.connTokens = append(m.connTokens, v)
	})
	if !m.http11 && !keepAlive {
		m.close = true
	}
	hasUpgrade, hasTE := false, false
	var codings int
	var err error
	for _, f := range h.fields {
		switch {
		case equalFold(f.name, "Upgrade"):
			hasUpgrade = len(f.value) > 0
		case equalFold(f.name, "Transfer-Encoding"):
			hasTE = true
		case equalFold(f.name, "Content-Length"):
			n, ok := parseLength(f.value)
			if !ok || (m.contentLength >= 0 && n != m.contentLength) {
				err = fmt.Errorf("%w: bad or conflicting Content-Length %q", errBadHead, f.value)
			}
			m.contentLength = n
		}
	}
	h.values("Transfer-Encoding", func(v []byte) {
		codings++
		m.chunked = equalFold(v, "chunked")
	})
	if hasTE && (!m.chunked || codings != 1) {
		return fmt.Errorf("%w: only Transfer-Encoding: chunked is supported", errBadHead)
	}
	if hasTE && !m.http11 {
		// RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has
		// faulty framing; peers disagree on where its body ends.
		return fmt.Errorf("%w: Transfer-Encoding in an HTTP/1.0 message", errBadHead)
	}
	m.upgrade = upgradeToken && hasUpgrade
	return err
}

func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// reqInfo describes a client's request.
type reqInfo struct {
	msgInfo
	method, target []byte
	isHead         bool
	expectContinue bool
}

func (r *reqInfo) hasBody() bool { return r.chunked || r.contentLength > 0 }

// idempotent reports whether sending the request twice means the same as
// once (RFC 9110, 9.2.2), so that it may go to another target when the
// first closed the connection without answering.
func (r *reqInfo) idempotent() bool {
	switch string(r.method) {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return !r.hasBody()
	}
	return false
}

// parseRequest checks a request head; a non-zero status is the error
// response to send (and the connection is then closed).
func parseRequest(h *head, r *reqInfo) (int, error) {
	r.method, r.target = h.start[0], h.start[1]
	for _, c := range r.method {
		if !tokenChars[c] {
			return http.StatusBadRequest, fmt.Errorf("bad method %q", r.method)
		}
	}
	if len(r.target) == 0 {
		return http.StatusBadRequest, errors.New("empty request target")
	}
	for _, c := range r.target {
		if c <= ' ' || c == 0x7f {
			return http.StatusBadRequest, fmt.Errorf("bad request target %q", r.target)
		}
	}
	if err := r.msgInfo.read(h, h.start[2]); err != nil {
		if errors.Is(err, errVersion) {
			return http.StatusHTTPVersionNotSupported, err
		}
		return http.StatusBadRequest, err
	}
	if r.chunked && r.contentLength >= 0 {
		return http.StatusBadRequest, errors.New("both Content-Length and Transfer-Encoding")
	}
	if string(r.method) == http.MethodConnect {
		return http.StatusMethodNotAllowed, errors.New("CONNECT is not supported: this is a reverse proxy")
	}
	hosts := 0
	r.isHead = string(r.method) == http.MethodHead
	r.expectContinue = false
	for _, f := range h.fields {
		switch {
		case equalFold(f.name, "Host"):
			hosts++
		case equalFold(f.name, "Expect") && len(f.value) > 0: // empty: nothing expected
			if !equalFold(f.value, "100-continue") {
				return http.StatusExpectationFailed, fmt.Errorf("unsupported Expect %q", f.value)
			}
			r.expectContinue = true
		}
	}
	if hosts > 1 || (hosts == 0 && r.http11) {
		return http.StatusBadRequest, errors.New("an HTTP/1.1 request needs exactly one Host header")
	}
	return 0, nil
}

// respInfo describes a target's response.
type respInfo struct {
	msgInfo
	code   int
	noBody bool // HEAD, 1xx, 204, 304: no body whatever the fields say
}

func parseResponse(h *head, req *reqInfo, r *respInfo) error {
	if err := r.msgInfo.read(h, h.start[0]); err != nil {
		return err
	}
	code := h.start[1]
	if len(code) != 3 || code[0] < '1' || code[0] > '5' || code[1] < '0' || code[1] > '9' || code[2] < '0' || code[2] > '9' {
		return fmt.Errorf("%w: status %q", errBadHead, code)
	}
	r.code = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	r.noBody = req.isHead || r.code < 200 || r.code == 204 || r.code == 304
	if r.chunked && r.contentLength >= 0 {
		// Transfer-Encoding wins (RFC 9112 6.3); a connection that sent
		// both is not trusted with another request.
		r.contentLength, r.close = -1, true
	}
	return nil
}
