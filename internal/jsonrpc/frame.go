package jsonrpc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Limits of the framing reader. The body's limit is the caller's; these
// bound what is read before it, so that no sequence of bytes makes the
// reader hold more than a few kilobytes besides the body.
const (
	// MaxHeaderLine is the longest header line read, in bytes; a longer one
	// is skipped and reported.
	MaxHeaderLine = 1024
	// MaxHeaderBlock is the most bytes of header lines read before the
	// blank line that ends them.
	MaxHeaderBlock = 8 << 10
	// prefixSize is how much of a body over the limit is kept, so that
	// the caller can find the id of the request it cannot read.
	prefixSize = 4 << 10
)

// A FrameError is a message the Reader could not deliver: a malformed or
// missing header, or a body over the limit. The stream is still usable:
// the next Read starts after the bad message (or, when its headers were
// garbled, at the next line that starts a header block).
type FrameError struct {
	Msg string
	// Prefix holds the first bytes of a body that was skipped for being
	// over the limit, so that the request's id can be read from it; nil
	// otherwise.
	Prefix []byte
}

func (e *FrameError) Error() string { return "jsonrpc: " + e.Msg }

// A Reader reads messages framed as the Language Server Protocol's base
// protocol frames them: header lines ending in CRLF ("Content-Length: N"
// required, "Content-Type" optional), a blank line, and N bytes of body.
// Header names are matched case-insensitively, a bare LF ends a line as
// well as CRLF, and stray blank lines between messages are skipped.
type Reader struct {
	r       *bufio.Reader
	maxBody int
}

// NewReader returns a Reader that delivers bodies of at most maxBody bytes.
func NewReader(r io.Reader, maxBody int) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, MaxHeaderLine+2), maxBody: maxBody}
}

const contentLength = "content-length"

// Read returns the body of the next message. At the end of the input it
// returns io.EOF, or io.ErrUnexpectedEOF when the input ends inside a
// message. A *FrameError means that one message was skipped; any other
// error comes from the underlying reader, and the stream is lost.
func (r *Reader) Read() ([]byte, error) {
	length, err := r.header()
	if err != nil {
		return nil, err
	}
	if length > r.maxBody {
		prefix := make([]byte, min(length, prefixSize))
		if _, err := io.ReadFull(r.r, prefix); err != nil {
			return nil, unexpected(err)
		}
		if _, err := io.CopyN(io.Discard, r.r, int64(length-len(prefix))); err != nil {
			return nil, unexpected(err)
		}
		return nil, &FrameError{Msg: fmt.Sprintf("message of %d bytes is over the limit of %d", length, r.maxBody), Prefix: prefix}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r.r, body); err != nil {
		return nil, unexpected(err)
	}
	return body, nil
}

// header reads a header block and returns its content length.
func (r *Reader) header() (int, error) {
	length, lines, total := -1, 0, 0
	var bad string // why the block cannot be used, once known
	for {
		line, err := r.line()
		if err != nil {
			if err == io.EOF && lines > 0 {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if line == nil {
			// The line was too long and has been skipped.
			bad = cmpOr(bad, fmt.Sprintf("header line longer than %d bytes", MaxHeaderLine))
			total += MaxHeaderLine
		}
		total += len(line) + 2 // and its line end
		if total > MaxHeaderBlock {
			return 0, &FrameError{Msg: fmt.Sprintf("header block longer than %d bytes", MaxHeaderBlock)}
		}
		if line == nil {
			lines++
			continue
		}
		if len(line) == 0 {
			if lines == 0 {
				continue // a blank line between messages
			}
			break
		}
		lines++
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !isToken(name) {
			// Garbage, perhaps the tail of a body whose length was
			// wrong, with the next message's first header after it:
			// start again from that header.
			if i := indexFold(line, contentLength+":"); i > 0 {
				name, value = line[i:i+len(contentLength)], line[i+len(contentLength)+1:]
				length, bad, lines, total = -1, "", 1, len(line)-i
			} else {
				bad = cmpOr(bad, fmt.Sprintf("malformed header line %q", clip(line)))
				continue
			}
		}
		switch strings.ToLower(string(name)) {
		case contentLength:
			n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
			switch {
			case err != nil || n < 0 || bytes.ContainsAny(value, "+-"):
				bad = cmpOr(bad, fmt.Sprintf("bad Content-Length %q", clip(bytes.TrimSpace(value))))
			case length >= 0 && n != length:
				bad = cmpOr(bad, "two different Content-Length headers")
			default:
				length = n
			}
		case "content-type":
			if !utf8Type(string(value)) {
				bad = cmpOr(bad, fmt.Sprintf("unsupported Content-Type %q; messages are UTF-8", clip(bytes.TrimSpace(value))))
			}
		}
	}
	if bad == "" && length < 0 {
		bad = "missing Content-Length header"
	}
	if bad != "" {
		if length >= 0 {
			// The length is known: skip the body, so that the
			// stream stays in step.
			if _, err := io.CopyN(io.Discard, r.r, int64(length)); err != nil {
				return 0, unexpected(err)
			}
		}
		return 0, &FrameError{Msg: bad}
	}
	return length, nil
}

// line returns the next line without its line end; nil, after skipping
// the rest of it, when it is longer than MaxHeaderLine.
func (r *Reader) line() ([]byte, error) {
	line, err := r.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			_, err = r.r.ReadSlice('\n')
		}
		if err != nil {
			return nil, unexpected(err)
		}
		return nil, nil
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
	if line == nil {
		line = []byte{}
	}
	return line, nil
}

// utf8Type reports whether a Content-Type value names no charset other
// than UTF-8.
func utf8Type(v string) bool {
	for _, param := range strings.Split(v, ";")[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(param), "=")
		if strings.EqualFold(strings.TrimSpace(k), "charset") {
			val = strings.Trim(strings.TrimSpace(val), `"`)
			if !strings.EqualFold(val, "utf-8") && !strings.EqualFold(val, "utf8") {
				return false
			}
		}
	}
	return true
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// indexFold returns the index of the first occurrence of the lower-case
// ASCII string sub in b, in any case, or -1.
func indexFold(b []byte, sub string) int {
	for i := 0; i+len(sub) <= len(b); i++ {
		if strings.EqualFold(string(b[i:i+len(sub)]), sub) {
			return i
		}
	}
	return -1
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// A Writer writes framed messages; it is safe for concurrent use, and
// each message is written whole with one call to the underlying writer.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes one message with body as its content.
func (w *Writer) Write(body []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf[:0], "Content-Length: "...)
	w.buf = strconv.AppendInt(w.buf, int64(len(body)), 10)
	w.buf = append(w.buf, "\r\n\r\n"...)
	w.buf = append(w.buf, body...)
	_, err := w.w.Write(w.buf)
	if cap(w.buf) > 1<<20 {
		w.buf = nil // do not keep a large message's buffer for ever
	}
	return err
}
