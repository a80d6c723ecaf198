package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/lsp/protocol"
)

// largest returns the path and text of the largest file of the examples
// matching pattern.
func largest(b *testing.B, pattern string) (string, string) {
	files, _ := filepath.Glob(pattern)
	best, text := "", ""
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err == nil && len(src) > len(text) {
			best, text = f, string(src)
		}
	}
	if best == "" {
		b.Fatalf("no file matches %s", pattern)
	}
	abs, _ := filepath.Abs(best)
	return abs, text
}

// BenchmarkDiagnosticsAfterChange is the latency of typing in the largest
// example: one character changed, the document's new version made, and its
// diagnostics computed (parse, compile, lint of every build) and encoded as
// the notification that carries them.
func BenchmarkDiagnosticsAfterChange(b *testing.B) {
	path, text := largest(b, "../examples/*.cors")
	s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF16}
	d := newDocument(s, fileURI(path), 1, text)
	// A change that keeps the file valid: a letter of the first comment.
	at := d.position(protocol.UTF16, strings.Index(text, "#")+2)
	r := protocol.Range{Start: at, End: protocol.Position{Line: at.Line, Character: at.Character + 1}}
	b.Logf("%s, %d bytes", filepath.Base(path), len(text))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		nd, err := d.withChanges(protocol.UTF16, int32(i+2), []protocol.TextDocumentContentChangeEvent{{Range: &r, Text: string(rune('a' + i%26))}})
		if err != nil {
			b.Fatal(err)
		}
		diags := s.diagnostics(nd)
		if len(diags) != 0 {
			b.Fatalf("the example has diagnostics: %+v", diags)
		}
		v := nd.version
		if _, err := json.Marshal(protocol.PublishDiagnosticsParams{URI: nd.uri, Version: &v, Diagnostics: diags}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFixtureDiagnosticsAfterChange is the same for the largest
// fixture file, its policy open: the cases run on every change.
func BenchmarkFixtureDiagnosticsAfterChange(b *testing.B) {
	path, text := largest(b, "../examples/*.fixtures")
	s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF16}
	policy := strings.TrimSuffix(path, ".fixtures") + ".cors"
	src, err := os.ReadFile(policy)
	if err != nil {
		b.Skipf("%s has no policy of its name", path)
	}
	pd := newDocument(s, fileURI(policy), 1, string(src))
	s.docs[pd.uri] = pd
	d := newDocument(s, fileURI(path), 1, text)
	at := d.position(protocol.UTF16, strings.Index(text, "#")+2)
	r := protocol.Range{Start: at, End: protocol.Position{Line: at.Line, Character: at.Character + 1}}
	b.Logf("%s, %d bytes", filepath.Base(path), len(text))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		nd, err := d.withChanges(protocol.UTF16, int32(i+2), []protocol.TextDocumentContentChangeEvent{{Range: &r, Text: string(rune('a' + i%26))}})
		if err != nil {
			b.Fatal(err)
		}
		if diags := s.diagnostics(nd); len(diags) != 0 {
			b.Fatalf("the fixtures fail: %+v", diags[0])
		}
	}
}
