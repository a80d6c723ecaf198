package lsp

import (
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/corspolicy/cors/lsp/protocol"
)

// Kinds of document the server knows.
type docKind uint8

const (
	kindOther docKind = iota
	kindPolicy
	kindFixtures
)

// A document is one version of an open document. It is never changed once
// made, so the diagnostics worker and the request handlers share it
// without locks; what is derived from it (its analysis) is computed once,
// on first use.
type document struct {
	uri     protocol.DocumentURI
	path    string // the file system path of a file: URI, or ""
	name    string // the name used in positions: path, or the URI
	kind    docKind
	version int32
	text    string
	lines   []int // byte offset where each line starts, as LSP counts lines

	// dropped is the size of a text too large to keep (over
	// maxRetained), which text then does not hold.
	dropped int
	// lost says why the server no longer knows the text, after a change
	// it could not apply; a change of the whole text mends it.
	lost string

	once  sync.Once
	ready atomic.Pointer[analysis] // the analysis, once computed
	srv   *Server
}

func newDocument(srv *Server, uri protocol.DocumentURI, version int32, text string) *document {
	d := &document{uri: uri, version: version, text: text, srv: srv}
	d.path = uriPath(uri)
	d.name = d.path
	if d.name == "" {
		d.name = string(uri)
	}
	switch {
	case strings.HasSuffix(d.name, ".cors"):
		d.kind = kindPolicy
	case strings.HasSuffix(d.name, ".fixtures"):
		d.kind = kindFixtures
	}
	d.lines = lineStarts(text)
	return d
}

// fresh returns a copy of d whose analysis will be computed again, for
// when something it depends on (an import, the policy of a fixture file)
// has changed.
func (d *document) fresh() *document {
	return &document{uri: d.uri, path: d.path, name: d.name, kind: d.kind, version: d.version, text: d.text, lines: d.lines,
		dropped: d.dropped, lost: d.lost, srv: d.srv}
}

// uriPath returns the path of a file: URI, or "" for any other URI.
func uriPath(uri protocol.DocumentURI) string {
	u, err := url.Parse(string(uri))
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return ""
	}
	return filepath.FromSlash(u.Path)
}

// fileURI returns the file: URI of an absolute path.
func fileURI(path string) protocol.DocumentURI {
	return protocol.DocumentURI((&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String())
}

// lineStarts returns the offset of the start of each line. LSP ends lines
// at LF, CRLF and a lone CR alike.
func lineStarts(text string) []int {
	lines := []int{0}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			lines = append(lines, i+1)
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			lines = append(lines, i+1)
		}
	}
	return lines
}

// lineEnd returns the offset where line ends, before its line terminator.
func (d *document) lineEnd(line int) int {
	end := len(d.text)
	if line+1 < len(d.lines) {
		end = d.lines[line+1]
	}
	for end > d.lines[line] && (d.text[end-1] == '\n' || d.text[end-1] == '\r') {
		end--
	}
	return end
}

// An encoding counts characters in the code units of a position encoding.
type encoding string

// units returns the length of s in code units.
func (e encoding) units(s string) int {
	switch e {
	case protocol.UTF8:
		return len(s)
	case protocol.UTF32:
		return utf8.RuneCountInString(s)
	}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// position returns the LSP position of a byte offset.
func (d *document) position(enc encoding, offset int) protocol.Position {
	offset = max(0, min(offset, len(d.text)))
	line := sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > offset }) - 1
	end := min(offset, d.lineEnd(line))
	return protocol.Position{Line: uint32(line), Character: uint32(enc.units(d.text[d.lines[line]:end]))}
}

// offset returns the byte offset of an LSP position. A line past the end
// is the end of the text; a character past the end of its line is the end
// of the line, as the protocol says; a character inside a UTF-16 pair or
// a UTF-8 sequence is the start of its character.
func (d *document) offset(enc encoding, p protocol.Position) int {
	if int(p.Line) >= len(d.lines) {
		return len(d.text)
	}
	start, end := d.lines[p.Line], d.lineEnd(int(p.Line))
	want := int(p.Character)
	if enc == protocol.UTF8 {
		off := min(start+want, end)
		for off > start && off < len(d.text) && !utf8.RuneStart(d.text[off]) {
			off--
		}
		return off
	}
	n := 0
	for i, r := range d.text[start:end] {
		w := 1
		if enc != protocol.UTF32 {
			w = utf16.RuneLen(r)
		}
		if n+w > want {
			return start + i
		}
		n += w
	}
	return end
}

// rangeOf returns the LSP range of the bytes [from, to).
func (d *document) rangeOf(enc encoding, from, to int) protocol.Range {
	return protocol.Range{Start: d.position(enc, from), End: d.position(enc, max(from, to))}
}

// maxChangeWork bounds the bytes the changes of one didChange copy: each
// change of a range copies the whole text, so that many small changes to
// a large document would cost their number times its size. Past it the
// changes are not applied, and the text is lost as for a change that
// cannot apply, until a change sends the whole text.
const maxChangeWork = 1 << 30

// withChanges returns the document after the changes of a didChange.
func (d *document) withChanges(enc encoding, version int32, changes []protocol.TextDocumentContentChangeEvent) (*document, error) {
	text := d.text
	cur := d
	known := d.dropped == 0 && d.lost == ""
	work, dropped := 0, 0
	for i, c := range changes {
		if c.Range == nil {
			text, known, dropped = c.Text, true, 0
		} else {
			if !known {
				return nil, fmt.Errorf("the server does not hold the document's text; a change of a range cannot apply")
			}
			if work += len(text) + len(c.Text); work > maxChangeWork {
				return nil, fmt.Errorf("too many changes in one notification for a document of %d bytes (over %d bytes to copy); send the whole text", len(text), maxChangeWork)
			}
			if i > 0 {
				cur = &document{text: text, lines: lineStarts(text)}
			}
			from, to := cur.offset(enc, c.Range.Start), cur.offset(enc, c.Range.End)
			if to < from {
				return nil, fmt.Errorf("change range ends before it starts")
			}
			text = text[:from] + c.Text + text[to:]
		}
		if len(text) > maxRetained {
			// Only the size is kept, but the changes after it still
			// apply: a later whole text is what the client holds.
			text, known, dropped = "", false, len(text)
		}
	}
	nd := newDocument(d.srv, d.uri, version, text)
	nd.dropped = dropped
	return nd, nil
}
