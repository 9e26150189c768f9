package lb

import (
	"io"
	"net"
	"time"
)

// tunnel relays a protocol upgrade (a WebSocket, say): the target's 101
// goes to the client, then bytes flow both ways until either side closes.
// The target stays in flight, so draining waits for the tunnel too (up to
// the deregistration delay).
func (cc *clientConn) tunnel(t *target, bc *backendConn) (int, cause, bool) {
	if !cc.ri.upgrade {
		cc.stopWatch()
		bc.c.Close()
		return cc.targetFailed(t, errUnaskedUpgrade, false, false)
	}
	bw := cc.bw
	bw.WriteString("HTTP/1.1 101 ")
	bw.Write(bc.head.start[2])
	bw.WriteString("\r\n")
	for _, f := range bc.head.fields {
		if !hopByHop(f.name, bc.resp.connTokens) {
			writeField(bw, f.name, f.value)
		}
	}
	writeTargetHeader(bw, t)
	bw.WriteString("Connection: Upgrade\r\n")
	writeField(bw, []byte("Upgrade"), bc.head.get("Upgrade"))
	bw.WriteString("\r\n")
	err := bw.Flush()
	cc.stopWatch()
	if err != nil {
		bc.c.Close()
		return 0, causeClientCancel, false
	}
	cc.c.SetDeadline(time.Time{})
	bc.c.SetDeadline(time.Time{})
	up := make(chan struct{})
	go func() {
		defer close(up)
		// What the client sent after its request, then the rest. A clean
		// end is passed on as a half-close; a broken one ends the tunnel.
		if _, err := io.Copy(bc.c, cc.br); err != nil {
			bc.c.Close()
		} else {
			closeWrite(bc.c)
		}
	}()
	_, _ = io.Copy(cc.c, bc.br)
	closeWrite(cc.c)
	bc.c.Close()
	cc.c.Close()
	<-up
	return 101, noCause, false
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}
