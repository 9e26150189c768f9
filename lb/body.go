package lb

import (
	"bufio"
	"errors"
	"io"
	"net/http/httputil"
	"strconv"
	"sync"
)

// framing is how a message body is delimited on the wire.
type framing uint8

const (
	noBody     framing = iota
	fixedBody          // Content-Length bytes
	chunkedIn          // Transfer-Encoding: chunked
	untilClose         // until the sender closes (responses only)
)

// copyBufSize is the size of the buffers that carry bodies.
const copyBufSize = 32 << 10

// copyBufs recycles body buffers; pooling array pointers rather than
// slices avoids an allocation on every Put.
var copyBufs = sync.Pool{New: func() any { return new([copyBufSize]byte) }}

// copyBody moves one body from src to dst, decoding it from in and, if
// chunkOut, encoding it chunked. tick runs before a read that may block
// (to push deadlines on). It reports which side failed: readErr for src
// (a truncated or broken body), writeErr for dst.
func copyBody(dst *bufio.Writer, src *bufio.Reader, in framing, n int64, chunkOut bool, tick func()) (readErr, writeErr error) {
	if in == noBody {
		return nil, nil
	}
	buf := copyBufs.Get().(*[copyBufSize]byte)
	defer copyBufs.Put(buf)
	emit := func(p []byte) error {
		if chunkOut {
			var size [20]byte
			dst.Write(strconv.AppendInt(size[:0], int64(len(p)), 16))
			dst.WriteString("\r\n")
			dst.Write(p)
			_, err := dst.WriteString("\r\n")
			return err
		}
		_, err := dst.Write(p)
		return err
	}
	var r io.Reader = src
	if in == chunkedIn {
		r = httputil.NewChunkedReader(src)
	}
	for in != fixedBody || n > 0 {
		p := buf[:]
		if in == fixedBody {
			p = p[:min(int64(len(p)), n)]
		}
		if src.Buffered() < len(p) {
			tick()
		}
		k, err := r.Read(p)
		if k > 0 {
			if werr := emit(p[:k]); werr != nil {
				return nil, werr
			}
			n -= int64(k)
		}
		if err == io.EOF {
			if in == fixedBody {
				return io.ErrUnexpectedEOF, nil
			}
			break
		}
		if err != nil {
			return err, nil
		}
	}
	if in == chunkedIn {
		if err := discardTrailers(src); err != nil {
			return err, nil
		}
	}
	if chunkOut {
		if _, err := dst.WriteString("0\r\n\r\n"); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

var errTrailersTooLarge = errors.New("chunked trailers larger than 64 KiB")

// discardTrailers reads the trailer section after a last chunk; trailers
// are not forwarded.
func discardTrailers(br *bufio.Reader) error {
	total := 0
	for {
		line, err := br.ReadSlice('\n')
		total += len(line)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if total > maxHeadBytes {
			return errTrailersTooLarge
		}
		if len(trimEOL(line)) == 0 {
			return nil
		}
	}
}
