package lsp

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/corspolicy/cors/internal/jsonrpc"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lsp/protocol"
)

// formatting formats a document through the canonical printer, and
// refuses as corsfmt does: a document with a syntax error, or one the
// printer cannot prove it formats without changing, is left as it is.
func (s *Server) formatting(_ context.Context, params json.RawMessage) (any, error) {
	p, err := decode[protocol.DocumentParams](params)
	if err != nil {
		return nil, err
	}
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	format := lang.Format
	switch d.kind {
	case kindFixtures:
		format = lang.FormatFixtures
	case kindOther:
		return nil, jsonrpc.Errorf(jsonrpc.CodeRequestFailed, "%s is neither a .cors nor a .fixtures file", d.uri)
	}
	out, err := format(d.name, []byte(d.text))
	if err != nil {
		var b strings.Builder
		lang.PrintErrors(&b, err)
		return nil, jsonrpc.Errorf(jsonrpc.CodeRequestFailed, "not formatted: %s", strings.TrimSpace(b.String()))
	}
	return minimalEdits(d, s.enc, string(out)), nil
}

// minimalEdits returns one edit that replaces the lines between the
// common first and last lines of the document and its new text, or none
// when they are equal, so that an editor keeps its cursor and marks
// where nothing changed.
func minimalEdits(d *document, enc encoding, text string) []protocol.TextEdit {
	if d.text == text {
		return []protocol.TextEdit{}
	}
	old := strings.SplitAfter(d.text, "\n")
	new := strings.SplitAfter(text, "\n")
	pre := 0
	for pre < len(old) && pre < len(new) && old[pre] == new[pre] {
		pre++
	}
	suf := 0
	for suf < len(old)-pre && suf < len(new)-pre && old[len(old)-1-suf] == new[len(new)-1-suf] {
		suf++
	}
	from := 0
	for _, l := range old[:pre] {
		from += len(l)
	}
	to := len(d.text)
	for _, l := range old[len(old)-suf:] {
		to -= len(l)
	}
	return []protocol.TextEdit{{Range: d.rangeOf(enc, from, to), NewText: strings.Join(new[pre:len(new)-suf], "")}}
}
