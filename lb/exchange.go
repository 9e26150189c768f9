package lb

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/cattle-dev/cattle/lb/lbheader"
)

var errUnaskedUpgrade = errors.New("the target switched protocols without being asked to")

// TargetHeader names, in every response a target served or failed, the
// target that served it.
const TargetHeader = lbheader.Target

// serveRequest proxies the request whose head is in cc.req and reports
// whether the connection can carry another one.
func (cc *clientConn) serveRequest() bool {
	l, ri := cc.l, &cc.ri
	start := time.Now()
	if status, err := parseRequest(&cc.req, ri); status != 0 {
		l.counters.record(status, noCause)
		cc.writeLocalError(status, nil, err.Error(), true)
		return false
	}
	keep := !ri.close && !l.closing.Load()
	var t *target
	g := l.forwards.Load().pick()
	if g != nil {
		t = g.acquire(l.cfg.Algorithm)
	}
	if t == nil {
		keep = keep && !ri.hasBody() // the body is not read: the connection cannot go on
		l.counters.record(http.StatusServiceUnavailable, causeNoTargets)
		l.latency.observe(time.Since(start))
		cc.writeLocalError(http.StatusServiceUnavailable, nil,
			fmt.Sprintf("load balancer %q has no healthy target to route to", l.cfg.Name), !keep)
		return keep
	}
	status, why, keep, untaken := cc.forward(t, keep)
	if untaken.err != nil {
		// A target that refuses connections (its process just died) never
		// saw the request, and one that closed the connection without
		// answering a request that may be sent twice did not serve it: send
		// it to targets not tried yet, as nginx's proxy_next_upstream does,
		// rather than fail it.
		var tried [maxOtherTargets + 1]*target
		for n := 0; untaken.err != nil && n < maxOtherTargets; n++ {
			tried[n] = t
			next := g.acquireOther(l.cfg.Algorithm, tried[:n+1])
			if next == nil {
				break
			}
			if untaken.dialing {
				t.counters.record(0, causeConnect)
			} else {
				t.counters.record(0, causeTargetError)
			}
			t.release()
			t = next
			status, why, keep, untaken = cc.forward(t, keep)
		}
		if untaken.err != nil {
			// Only a refused connection (the body, if any, unread) or a
			// request without a body gets here.
			status, why, keep = cc.targetFailed(t, untaken.err, untaken.dialing, keep && !ri.hasBody())
		}
	}
	// Count before release: once no request is outstanding, the counts
	// are complete.
	l.counters.record(status, why)
	t.counters.record(status, why)
	if why != causeClientCancel {
		l.latency.observe(time.Since(start))
	}
	t.release()
	return keep
}

// forward sends the request to t and relays the answer. It returns the
// status the client got (0 if none), why the load balancer answered itself
// or gave up, and whether the client connection can go on; or, when t did
// not take the request and nothing was sent to the client, why, for the
// caller to try another target.
func (cc *clientConn) forward(t *target, keep bool) (int, cause, bool, targetFailure) {
	ri := &cc.ri
	for attempt := 0; ; attempt++ {
		bc, err := t.pool.get(t.address)
		if err != nil {
			if isTimeout(err) {
				return answered(cc.targetFailed(t, err, true, keep && !ri.hasBody()))
			}
			return 0, noCause, keep, targetFailure{err: err, dialing: true}
		}
		bodyRead, readErr, writeErr := cc.sendRequest(bc, t)
		if readErr != nil { // the client's body broke off: it went away
			bc.c.Close()
			return 0, causeClientCancel, false, targetFailure{}
		}
		// A reused keep-alive connection may have been closed by the
		// target while idle; a request without a body is safe to send
		// again on a fresh one, as nothing of it was processed.
		retry := bc.reused && !ri.hasBody() && attempt == 0
		if writeErr != nil {
			bc.c.Close()
			if retry {
				continue
			}
			return answered(cc.targetFailed(t, writeErr, false, keep && bodyRead))
		}
		cc.armWatch(bc)
		err = cc.readResponseHead(bc)
		if err != nil {
			cc.stopWatch()
			bc.c.Close()
			if cc.watch.gone.Load() {
				return 0, causeClientCancel, false, targetFailure{}
			}
			if retry && !bc.head.gotAny && !isTimeout(err) {
				continue
			}
			if !bc.head.gotAny && !isTimeout(err) && ri.idempotent() {
				// Closed without a byte of answer (a target whose process
				// just died, behind the engine's port proxy): another
				// target may answer it, as nginx's proxy_next_upstream does.
				return 0, noCause, keep, targetFailure{err: err}
			}
			return answered(cc.targetFailed(t, err, false, keep))
		}
		return answered(cc.relayResponse(t, bc, keep))
	}
}

// answered is forward's result when the target took the request.
func answered(status int, why cause, keep bool) (int, cause, bool, targetFailure) {
	return status, why, keep, targetFailure{}
}

// sendRequest writes the request head and body to the target.
func (cc *clientConn) sendRequest(bc *backendConn, t *target) (bodyRead bool, readErr, writeErr error) {
	ri, bw := &cc.ri, bc.bw
	bw.Write(ri.method)
	bw.WriteByte(' ')
	bw.Write(ri.target)
	bw.WriteString(" HTTP/1.1\r\n")
	hasHost := false
	for _, f := range cc.req.fields {
		switch {
		case hopByHop(f.name, ri.connTokens), equalFold(f.name, "Expect"), equalFold(f.name, "X-Forwarded-For"),
			equalFold(f.name, "X-Forwarded-Proto"), equalFold(f.name, "X-Forwarded-Port"):
			continue
		case equalFold(f.name, "Host"):
			hasHost = true
		}
		writeField(bw, f.name, f.value)
	}
	if !hasHost { // an HTTP/1.0 client; HTTP/1.1 needs one
		bw.WriteString("Host: ")
		bw.WriteString(t.address)
		bw.WriteString("\r\n")
	}
	// The client's address is appended to any X-Forwarded-For it sent, as
	// an ALB does.
	bw.WriteString("X-Forwarded-For: ")
	cc.req.values("X-Forwarded-For", func(v []byte) {
		bw.Write(v)
		bw.WriteString(", ")
	})
	bw.WriteString(cc.clientIP)
	bw.WriteString("\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: ")
	bw.WriteString(cc.l.port)
	bw.WriteString("\r\n")
	if ri.upgrade {
		bw.WriteString("Connection: Upgrade\r\n")
		writeField(bw, []byte("Upgrade"), cc.req.get("Upgrade"))
	}
	if ri.chunked {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	bw.WriteString("\r\n")
	if ri.hasBody() {
		if ri.expectContinue && ri.http11 {
			cc.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			if err := cc.bw.Flush(); err != nil {
				return false, err, nil
			}
		}
		in := fixedBody
		if ri.chunked {
			in = chunkedIn
		}
		readErr, writeErr = copyBody(bw, cc.br, in, ri.contentLength, ri.chunked, func() {
			cc.c.SetReadDeadline(time.Now().Add(cc.l.cfg.IdleTimeout))
		})
		cc.c.SetReadDeadline(time.Time{})
		if readErr != nil || writeErr != nil {
			return false, readErr, writeErr
		}
	}
	return true, nil, bw.Flush()
}

func writeField(bw *bufio.Writer, name, value []byte) {
	bw.Write(name)
	bw.WriteString(": ")
	bw.Write(value)
	bw.WriteString("\r\n")
}

// readResponseHead waits up to TargetTimeout for the target's answer,
// skipping interim 1xx responses other than 101.
func (cc *clientConn) readResponseHead(bc *backendConn) error {
	bc.c.SetReadDeadline(time.Now().Add(cc.l.cfg.TargetTimeout))
	for {
		if err := bc.head.read(bc.br); err != nil {
			return err
		}
		if err := parseResponse(&bc.head, &cc.ri, &bc.resp); err != nil {
			return err
		}
		if c := bc.resp.code; c >= 200 || c == http.StatusSwitchingProtocols {
			// The deadline stays: body reads that may block push it on.
			return nil
		}
	}
}

// relayResponse sends the target's response to the client and returns the
// connection to the pool when it can serve another request.
func (cc *clientConn) relayResponse(t *target, bc *backendConn, keep bool) (int, cause, bool) {
	ri, resp, bw := &cc.ri, &bc.resp, cc.bw
	if resp.code == http.StatusSwitchingProtocols {
		return cc.tunnel(t, bc)
	}
	in := fixedBody
	switch {
	case resp.noBody:
		in = noBody
	case resp.chunked:
		in = chunkedIn
	case resp.contentLength < 0:
		in = untilClose
	}
	// A body of unknown length goes to an HTTP/1.1 client chunked; an
	// HTTP/1.0 client learns its end by the connection closing.
	chunkOut := (in == chunkedIn || in == untilClose) && ri.http11
	if ((in == chunkedIn || in == untilClose) && !ri.http11) || cc.l.closing.Load() {
		keep = false
	}
	cc.c.SetWriteDeadline(time.Now().Add(cc.l.cfg.IdleTimeout))
	bw.WriteString("HTTP/1.1 ")
	bw.Write(bc.head.start[1])
	bw.WriteByte(' ')
	bw.Write(bc.head.start[2])
	bw.WriteString("\r\n")
	for _, f := range bc.head.fields {
		if hopByHop(f.name, resp.connTokens) || (chunkOut && equalFold(f.name, "Content-Length")) {
			continue
		}
		writeField(bw, f.name, f.value)
	}
	writeTargetHeader(bw, t)
	if chunkOut {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	writeConnection(bw, keep, ri.http11)
	bw.WriteString("\r\n")
	readErr, writeErr := copyBody(bw, bc.br, in, resp.contentLength, chunkOut, func() {
		now := time.Now()
		bc.c.SetReadDeadline(now.Add(cc.l.cfg.IdleTimeout))
		cc.c.SetWriteDeadline(now.Add(cc.l.cfg.IdleTimeout))
	})
	if writeErr == nil {
		writeErr = bw.Flush()
	}
	cc.stopWatch()
	switch {
	case cc.watch.gone.Load() || writeErr != nil:
		bc.c.Close()
		return 0, causeClientCancel, false
	case readErr != nil:
		// The target broke off mid-body; closing the client connection
		// is the only way left to tell the client.
		bc.c.Close()
		return resp.code, causeTargetError, false
	}
	code := resp.code // bc is another request's once back in the pool
	if resp.close || in == untilClose {
		bc.c.Close()
	} else {
		t.pool.put(bc)
	}
	return code, noCause, keep
}

func writeTargetHeader(bw *bufio.Writer, t *target) {
	bw.WriteString(TargetHeader + ": ")
	bw.WriteString(t.id)
	bw.WriteString("\r\n")
}

func writeConnection(bw *bufio.Writer, keep, http11 bool) {
	switch {
	case !keep:
		bw.WriteString("Connection: close\r\n")
	case !http11:
		bw.WriteString("Connection: keep-alive\r\n")
	}
}

// targetFailed answers as an ALB would when the target did not: 502 when
// it refused or broke the connection, 504 when it did not answer in time.
func (cc *clientConn) targetFailed(t *target, err error, dialing, keep bool) (int, cause, bool) {
	status, why, msg := http.StatusBadGateway, causeTargetError, "the target broke the connection: "+err.Error()
	switch {
	case isTimeout(err) && dialing:
		status, why, msg = http.StatusGatewayTimeout, causeTimeout, fmt.Sprintf("connecting to the target timed out after %s", dialTimeout)
	case isTimeout(err):
		status, why, msg = http.StatusGatewayTimeout, causeTimeout, fmt.Sprintf("the target did not answer within %s", cc.l.cfg.TargetTimeout)
	case dialing && errors.Is(err, syscall.ECONNREFUSED):
		why, msg = causeConnect, "the target refused the connection"
	case dialing:
		why, msg = causeConnect, "connecting to the target failed: "+err.Error()
	case errors.Is(err, errBadHead) || errors.Is(err, errHeadTooLarge) || errors.Is(err, errVersion):
		msg = "the target sent an invalid response: " + err.Error()
	}
	cc.writeLocalError(status, t, fmt.Sprintf("%s (%s at %s)", msg, t.id, t.address), !keep)
	return status, why, keep
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// writeLocalError sends a response made by the load balancer itself.
func (cc *clientConn) writeLocalError(status int, t *target, msg string, closeConn bool) {
	body := fmt.Sprintf("%d %s: %s\n", status, http.StatusText(status), msg)
	bw := cc.bw
	cc.c.SetWriteDeadline(time.Now().Add(cc.l.cfg.IdleTimeout))
	bw.WriteString("HTTP/1.1 ")
	bw.WriteString(strconv.Itoa(status))
	bw.WriteByte(' ')
	bw.WriteString(http.StatusText(status))
	bw.WriteString("\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ")
	bw.WriteString(strconv.Itoa(len(body)))
	bw.WriteString("\r\n")
	if t != nil {
		writeTargetHeader(bw, t)
	}
	writeConnection(bw, !closeConn, cc.ri.http11)
	bw.WriteString("\r\n")
	if !cc.ri.isHead {
		bw.WriteString(body)
	}
	bw.Flush()
}
