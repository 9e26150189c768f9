package lb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxHeadBytes bounds a message head (start line and header fields).
const maxHeadBytes = 64 << 10

var (
	errHeadTooLarge = errors.New("message head is larger than 64 KiB")
	errBadHead      = errors.New("malformed message head")
)

// field is one header field; both slices point into head.raw.
type field struct{ name, value []byte }

// head is an HTTP/1.x message head, parsed in place. A connection reuses
// one for every message, so reading a head allocates nothing once warm.
type head struct {
	raw    []byte
	ends   []int     // end offset of each line in raw
	start  [3][]byte // request: method, target, version; response: version, code, reason
	first  int       // offset in raw of the start line, after stray empty lines
	fields []field
	// gotAny says a byte was read: distinguishes a connection closed
	// between messages from one closed mid-head.
	gotAny bool
}

// read reads one head from br, up to and including the blank line.
func (h *head) read(br *bufio.Reader) error {
	h.raw, h.ends, h.fields, h.gotAny, h.first = h.raw[:0], h.ends[:0], h.fields[:0], false, 0
	lineStart := 0
	for {
		frag, err := br.ReadSlice('\n')
		if len(frag) > 0 {
			h.gotAny = true
		}
		if len(h.raw)+len(frag) > maxHeadBytes {
			return errHeadTooLarge
		}
		h.raw = append(h.raw, frag...)
		if err == bufio.ErrBufferFull {
			continue // a long line: keep reading it
		}
		if err != nil {
			if err == io.EOF && h.gotAny {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		line := trimEOL(h.raw[lineStart:])
		if len(line) == 0 {
			if len(h.ends) == 0 && lineStart < 8 {
				lineStart = len(h.raw) // tolerate stray CRLFs before a message
				h.first = lineStart
				continue
			}
			return h.parse()
		}
		h.ends = append(h.ends, len(h.raw))
		lineStart = len(h.raw)
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

func (h *head) parse() error {
	if len(h.ends) == 0 {
		return fmt.Errorf("%w: no start line", errBadHead)
	}
	prev := h.first
	for i, end := range h.ends {
		line := trimEOL(h.raw[prev:end])
		prev = end
		if i > 0 {
			f, err := parseField(line)
			if err != nil {
				return err
			}
			h.fields = append(h.fields, f)
			continue
		}
		a, rest, ok := bytes.Cut(line, []byte(" "))
		if !ok || len(a) == 0 {
			return fmt.Errorf("%w: start line %q", errBadHead, line)
		}
		b, c, _ := bytes.Cut(rest, []byte(" "))
		h.start = [3][]byte{a, b, c}
	}
	return nil
}

func parseField(line []byte) (field, error) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return field{}, fmt.Errorf("%w: header line %q has no name", errBadHead, line)
	}
	name := line[:colon]
	for _, c := range name {
		if !tokenChars[c] { // also rejects obs-fold and space before the colon
			return field{}, fmt.Errorf("%w: bad header name %q", errBadHead, name)
		}
	}
	value := trimOWS(line[colon+1:])
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return field{}, fmt.Errorf("%w: control character in header %s", errBadHead, name)
		}
	}
	return field{name: name, value: value}, nil
}

// tokenChars are the characters of an RFC 9110 token (names, methods).
var tokenChars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), byte(c)) >= 0
	}
	return t
}()

// trimOWS trims spaces and tabs at both ends.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// values calls fn with every comma-separated element of the fields named
// name, trimmed.
func (h *head) values(name string, fn func(v []byte)) {
	for _, f := range h.fields {
		if !equalFold(f.name, name) {
			continue
		}
		rest := f.value
		for len(rest) > 0 {
			v := rest
			if i := bytes.IndexByte(rest, ','); i >= 0 {
				v, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			if v = trimOWS(v); len(v) > 0 {
				fn(v)
			}
		}
	}
}

// get returns the value of the first field named name, nil if none.
func (h *head) get(name string) []byte {
	for _, f := range h.fields {
		if equalFold(f.name, name) {
			return f.value
		}
	}
	return nil
}

// equalFold compares ASCII case-insensitively without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if x|0x20 != y|0x20 || (x|0x20 < 'a' || x|0x20 > 'z') && x != y {
			return false
		}
	}
	return true
}

// hopByHop says whether a field belongs to one connection only and must
// not be forwarded (RFC 9110 7.6.1), including the names listed in the
// message's Connection header.
func hopByHop(name []byte, connTokens [][]byte) bool {
	for _, h := range [...]string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		if equalFold(name, h) {
			return true
		}
	}
	for _, t := range connTokens {
		if bytes.EqualFold(name, t) {
			return true
		}
	}
	return false
}
