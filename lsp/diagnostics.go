package lsp

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lint"
	"github.com/corspolicy/cors/lsp/protocol"
)

// A publisher computes and sends diagnostics off the request loop, so
// that typing is never held up by a lint: documents scheduled while it
// works are diagnosed once, at their latest version.
type publisher struct {
	s       *Server
	mu      sync.Mutex
	pending map[protocol.DocumentURI]bool
	wake    chan struct{}
}

func newPublisher(s *Server) *publisher {
	return &publisher{s: s, pending: map[protocol.DocumentURI]bool{}, wake: make(chan struct{}, 1)}
}

func (p *publisher) schedule(uri protocol.DocumentURI) {
	p.mu.Lock()
	p.pending[uri] = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *publisher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		}
		p.mu.Lock()
		uris := p.pending
		p.pending = map[protocol.DocumentURI]bool{}
		p.mu.Unlock()
		for uri := range uris {
			p.publish(uri)
		}
	}
}

// publish sends the diagnostics of a document, or none for one closed.
func (p *publisher) publish(uri protocol.DocumentURI) {
	defer func() {
		if r := recover(); r != nil {
			p.s.logMessage(fmt.Sprintf("diagnosing %s: internal error: %v", uri, r))
		}
	}()
	params := protocol.PublishDiagnosticsParams{URI: uri, Diagnostics: []protocol.Diagnostic{}}
	if d := p.s.docByURI(uri); d != nil {
		v := d.version
		params.Version = &v
		params.Diagnostics = p.s.diagnostics(d)
	}
	p.s.conn.Notify("textDocument/publishDiagnostics", params)
}

// Sources of diagnostics, as editors show them.
const (
	sourceSyntax = "corsfmt"
	sourceLint   = "corsfmt lint"
	sourceTest   = "corsfmt test"
)

// diagnostics returns the diagnostics of a document.
func (s *Server) diagnostics(d *document) []protocol.Diagnostic {
	a := d.analyze()
	out := []protocol.Diagnostic{}
	if a.lost != "" {
		return append(out, protocol.Diagnostic{Range: d.rangeOf(s.enc, 0, 0), Severity: protocol.SeverityError, Source: sourceSyntax,
			Message: "the server lost track of this document (" + a.lost + "); a change that sends the whole text mends it"})
	}
	if a.tooLarge > 0 {
		return append(out, protocol.Diagnostic{
			Range: d.rangeOf(s.enc, 0, 0), Severity: protocol.SeverityError, Code: lang.CodeTooLarge, Source: sourceSyntax,
			Message: fmt.Sprintf("file is %d bytes; the limit is %d", a.tooLarge, lang.MaxFileSize),
		})
	}
	for _, e := range a.syntax {
		out = append(out, s.errorDiagnostic(d, a, e.Pos, e.End, protocol.SeverityError, e.Code, sourceSyntax, e.Msg))
	}
	for _, f := range a.findings {
		msg := f.Message
		if f.Fix != "" {
			msg += "\nfix: " + f.Fix
		}
		switch len(f.builds) {
		case 0:
		case 1:
			msg += "\nbuild: " + f.builds[0]
		default:
			msg += "\nbuilds: " + strings.Join(f.builds, ", ")
		}
		out = append(out, s.errorDiagnostic(d, a, f.Pos, f.End, severity(f.Severity), f.Code, sourceLint, msg))
	}
	for _, pr := range a.problems {
		out = append(out, protocol.Diagnostic{Range: d.rangeOf(s.enc, pr.from, pr.to), Severity: protocol.SeverityError,
			Source: sourceTest, Message: pr.msg})
	}
	return out
}

func severity(sev lint.Severity) int {
	switch sev {
	case lint.Error:
		return protocol.SeverityError
	case lint.Warning:
		return protocol.SeverityWarning
	}
	return protocol.SeverityInformation
}

// errorDiagnostic turns a position range of a document, or of a module it
// imports, into a diagnostic. An error in a module is shown at the import
// that loads it, with its place in the module beside.
func (s *Server) errorDiagnostic(d *document, a *analysis, pos, end lang.Position, sev int, code, source, msg string) protocol.Diagnostic {
	diag := protocol.Diagnostic{Severity: sev, Code: code, Source: source, Message: msg}
	if pos.Filename == d.name || !pos.IsValid() && pos.Filename == "" {
		from, to := pos.Offset, end.Offset
		if !end.IsValid() || to <= from {
			to = wordEnd(d.text, from)
		}
		if !pos.IsValid() {
			from, to = 0, 0
		}
		diag.Range = d.rangeOf(s.enc, from, to)
		return diag
	}
	// An error in another file: point at the import that brings it in.
	diag.Range = d.rangeOf(s.enc, 0, 0)
	if a.index != nil {
		var m *module
		if m = a.index.moduleByFilename(pos.Filename); m == nil && len(a.file.Imports) > 0 {
			m = a.index.scope.imports[a.file.Imports[0].Name()]
		}
		if m != nil {
			diag.Range = d.rangeOf(s.enc, m.imp.Path.Pos.Offset, m.imp.Path.EndPos.Offset)
		}
	}
	diag.Message = fmt.Sprintf("in %s: %s", filepath.Base(pos.Filename), msg)
	if uri := s.moduleURI(pos.Filename); uri != "" {
		md := s.moduleDocument(pos.Filename)
		if md != nil {
			diag.RelatedInformation = []protocol.DiagnosticRelatedInformation{{
				Location: protocol.Location{URI: uri, Range: md.rangeOf(s.enc, pos.Offset, max(pos.Offset, end.Offset))},
				Message:  msg,
			}}
		}
	}
	return diag
}

// wordEnd returns the end of the token that starts at offset from, or of
// its character, so that an error without an end still marks something.
func wordEnd(text string, from int) int {
	if from >= len(text) {
		return from
	}
	i := from
	for i < len(text) && isWordByte(text[i]) {
		i++
	}
	if i == from {
		i++
		for i < len(text) && text[i]&0xC0 == 0x80 {
			i++
		}
	}
	return i
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}
